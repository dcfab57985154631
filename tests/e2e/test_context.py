#!/usr/bin/env python3
"""RFC 5267 CONTEXT=SEARCH and CONTEXT=SORT end to end. A session keeps the
results of SEARCH / UID SEARCH / SORT / UID SORT RETURN (UPDATE ALL) as a
client must, applying every ADDTO and REMOVEFROM in order (§4.3.2-§4.3.4)
and renumbering on EXPUNGE; another session and LMTP change the mailbox
(flags, new mail, expunges), and after each round the kept result must equal
the same command run afresh. A REMOVEFROM must come before the EXPUNGE of
its message (§4.3.4): a client list that still holds a number when its
EXPUNGE arrives fails the test. Also IDLE, the session's own STORE and
EXPUNGE, CANCELUPDATE, tag reuse (BAD), NOUPDATE beyond the limit, contexts
ending with UNSELECT, UPDATE alone and CONTEXT alone. The SEARCH contexts
run against a private Dovecot too (which offers CONTEXT=SEARCH): the same
first answers and the same kept results.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_context.py
"""

import os
import re
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'context-secret'
ESEARCH = re.compile(rb'^\* ESEARCH \(TAG "([^"]*)"\)( UID)?(.*)$')
ITEM = re.compile(rb'(ADDTO|REMOVEFROM) \(([^)]*)\)')


def message(i, subject=None):
    subject = subject or 'topic %d' % ((i * 7) % 5)
    return ('From: s%d@x.org\r\nTo: b@x.org\r\nSubject: %s\r\nMessage-ID: <c%d@x>\r\n\r\n%s\r\n'
            % (i % 3, subject, i, 'z' * (50 * ((i * 3) % 11)))).encode()


def expand(seqset):
    """RFC 5267 §3.2: a set in requested order; ranges expand ascending."""
    out = []
    for part in seqset.split(b','):
        if b':' in part:
            a, b = sorted(int(x) for x in part.split(b':'))
            out.extend(range(a, b + 1))
        else:
            out.append(int(part))
    return out


class Context:
    """A client's copy of one context (§4.3.3, §4.3.4)."""

    def __init__(self, tag, uid, positional, first):
        self.tag, self.uid, self.positional, self.items = tag, uid, positional, list(first)
        self.updates = 0

    def apply(self, add, pairs):
        self.updates += 1
        for pos, ids in pairs:
            if pos == 0:
                for i in ids:
                    if add:
                        assert i not in self.items, (self.tag, 'ADDTO of a member', i, self.items)
                        self.items.append(i)
                        self.items.sort()
                    else:
                        assert i in self.items, (self.tag, 'REMOVEFROM of a non-member', i, self.items)
                        self.items.remove(i)
            elif add:
                assert pos - 1 <= len(self.items), (self.tag, 'ADDTO beyond the end', pos, self.items)
                self.items[pos - 1:pos - 1] = ids
            else:
                assert self.items[pos - 1:pos - 1 + len(ids)] == ids, (self.tag, 'REMOVEFROM not there', pos, ids,
                                                                      self.items)
                del self.items[pos - 1:pos - 1 + len(ids)]

    def expunged(self, seq):
        if self.uid:
            return
        # §4.3.4: the REMOVEFROM for an expunged message comes before its EXPUNGE.
        assert seq not in self.items, (self.tag, 'EXPUNGE of %d before its REMOVEFROM' % seq, self.items)
        self.items = [n - 1 if n > seq else n for n in self.items]


class Client:
    """A session that keeps its contexts up to date from every line it reads."""

    def __init__(self, server, tag_prefix='a'):
        self.c = loftlib.RawImap(server, 'alice', PASSWORD, tag_prefix=tag_prefix)
        self.contexts = {}
        self.unsolicited = []

    def feed(self, lines):
        for line in lines:
            m = ESEARCH.match(line)
            if m and m.group(1).decode() in self.contexts and ITEM.search(m.group(3)):
                ctx = self.contexts[m.group(1).decode()]
                assert bool(m.group(2)) == ctx.uid, line
                for kind, body in ITEM.findall(m.group(3)):
                    tok = body.split()
                    pairs = [(int(tok[k]), expand(tok[k + 1])) for k in range(0, len(tok), 2)]
                    ctx.apply(kind == b'ADDTO', pairs)
                continue
            m = re.match(rb'^\* (\d+) EXPUNGE$', line)
            if m:
                for ctx in self.contexts.values():
                    ctx.expunged(int(m.group(1)))

    def cmd(self, text):
        status, tagged, untagged = self.c.cmd(text)
        self.feed(untagged)
        return status, tagged, untagged

    def ok(self, text):
        status, tagged, untagged = self.cmd(text)
        assert status == 'OK', (text, tagged)
        return untagged

    def open_context(self, command, positional):
        """Runs command (with RETURN (UPDATE ALL)) and keeps its context."""
        tag = '%s%d' % (self.c.tag_prefix, self.c.n + 1)
        untagged = self.ok(command)
        first = [line for line in untagged if line.startswith(b'* ESEARCH (TAG "%s")' % tag.encode())]
        assert len(first) == 1, untagged
        m = re.search(rb' ALL (\S+)', first[0])
        uid = command.startswith('UID ')
        self.contexts[tag] = Context(tag, uid, positional, expand(m.group(1)) if m else [])
        return tag, first[0]

    def fresh(self, command):
        """The numbers the same command (without RETURN) gives now."""
        plain = command.replace(' RETURN (UPDATE ALL)', '')
        for line in self.ok(plain):
            m = re.match(rb'^\* (?:SEARCH|SORT)(.*)$', line)
            if m:
                return [int(x) for x in m.group(1).split()]
        raise AssertionError('no answer to ' + plain)

    def converge(self, commands, timeout=10.0):
        """NOOP until every context equals its command run afresh."""
        deadline = time.monotonic() + timeout
        while True:
            self.ok('NOOP')
            wrong = {t: (self.contexts[t].items, self.fresh(c)) for t, c in commands.items()}
            wrong = {t: v for t, v in wrong.items() if v[0] != v[1]}
            if not wrong:
                return
            if time.monotonic() > deadline:
                raise AssertionError('contexts still differ (kept, fresh): %r' % wrong)
            time.sleep(0.05)


def deliver(server, first, count, subject=None):
    lmtp = loftlib.LMTPClient(server.lmtp)
    try:
        for i in range(first, first + count):
            _, _, data = lmtp.transaction('a@example.org', ['alice@example.org'],
                                          loftlib.wire_data(message(i, subject))[0])
            assert [r[0] for r in data.values()] == [250], data
    finally:
        lmtp.close()


SEARCHES = ['UID SEARCH RETURN (UPDATE ALL) UNSEEN', 'SEARCH RETURN (UPDATE ALL) FLAGGED',
            'SEARCH RETURN (UPDATE ALL) OR SUBJECT "topic 2" KEYWORD $Work']
# Dovecot 2.3's imap process dies (SIGSEGV) when a context with a SUBJECT key
# sees new mail, so the comparison leaves the third search out.
DOVECOT_SEARCHES = SEARCHES[:2]
SORTS = ['UID SORT RETURN (UPDATE ALL) (REVERSE SUBJECT) UTF-8 UNSEEN',
         'SORT RETURN (UPDATE ALL) (SIZE) UTF-8 NOT DELETED']


def rounds(server, a, b, commands):
    """Changes made by b and by LMTP, and by a itself; a's contexts checked after each."""
    b.ok('SELECT INBOX')
    a.converge(commands)
    b.ok('STORE 1:5 +FLAGS.SILENT (\\Seen)')
    b.ok('STORE 2,4,6,8 +FLAGS.SILENT (\\Flagged $Work)')
    a.converge(commands)
    deliver(server, 100, 6)
    a.converge(commands)
    b.ok('STORE 3:7 -FLAGS.SILENT (\\Seen \\Flagged)')
    b.ok('STORE 1,6,9,10 +FLAGS.SILENT (\\Deleted)')
    b.ok('EXPUNGE')
    a.converge(commands)
    a.ok('STORE 2:4 +FLAGS.SILENT (\\Seen \\Flagged \\Deleted)')  # its own changes
    a.converge(commands)
    a.ok('EXPUNGE')
    a.converge(commands)
    deliver(server, 200, 3, subject='topic 2')
    b.ok('UID STORE 1:* -FLAGS.SILENT (\\Seen)')
    a.converge(commands)


class ContextTest(loftlib.LoftTestCase):
    USERS = ('alice',)
    PASSWORD = PASSWORD

    @property
    def server(self):
        return self.srv

    def setUp(self):
        b = loftlib.RawImap(self.server, 'alice', PASSWORD, tag_prefix='x')
        b.ok('SELECT INBOX')
        b.cmd('STORE 1:* +FLAGS.SILENT (\\Deleted)')
        b.cmd('EXPUNGE')
        b.ok('CLOSE')
        deliver(self.server, 1, 12)

    def test_capability(self):
        caps = loftlib.RawImap(self.server, 'alice', PASSWORD).ok('CAPABILITY')[0].split()
        self.assertIn(b'CONTEXT=SEARCH', caps)
        self.assertIn(b'CONTEXT=SORT', caps)

    def test_search_and_sort_contexts_follow_every_change(self):
        a, b = Client(self.server), Client(self.server, 'b')
        a.ok('SELECT INBOX')
        commands = {}
        for command in SEARCHES + SORTS:
            tag, _ = a.open_context(command, command in SORTS)
            commands[tag] = command
        rounds(self.server, a, b, commands)
        self.assertTrue(all(ctx.updates > 0 for ctx in a.contexts.values()),
                        {t: c.updates for t, c in a.contexts.items()})

    def test_idle_gets_updates(self):
        a = Client(self.server)
        a.ok('SELECT INBOX')
        tag, _ = a.open_context('UID SEARCH RETURN (UPDATE ALL) SUBJECT idle-news', False)
        self.assertEqual(a.contexts[tag].items, [])
        a.c.c.send(b'I1 IDLE\r\n')
        self.assertEqual(a.c.c.readline(), b'+ idling')
        deliver(self.server, 300, 2, subject='idle-news')
        deadline, seen = time.monotonic() + 10, []
        while len(a.contexts[tag].items) < 2 and time.monotonic() < deadline:
            line = a.c.c.readline()
            seen.append(line)
            a.feed([line])
        self.assertEqual(len(a.contexts[tag].items), 2, seen)
        # §4.3.3: an ADDTO of new mail comes after its EXISTS.
        first_addto = next(i for i, l in enumerate(seen) if b'ADDTO' in l)
        self.assertTrue(any(l.endswith(b' EXISTS') for l in seen[:first_addto]), seen)
        a.c.c.send(b'DONE\r\n')
        line, _ = a.c.c.read_until_tagged('I1')
        self.assertTrue(line.startswith(b'I1 OK'), line)

    def test_errors_limits_and_cancel(self):
        a, b = Client(self.server), Client(self.server, 'b')
        self.assertEqual(a.cmd('CANCELUPDATE "a1"')[0], 'BAD')  # selected state only
        a.ok('SELECT INBOX')
        b.ok('SELECT INBOX')
        # UPDATE alone: an ESEARCH without data (§4.1: no interaction); CONTEXT alone is ().
        tag, first = a.open_context('UID SEARCH RETURN (UPDATE) SEEN', False)
        self.assertEqual(first, b'* ESEARCH (TAG "%s") UID' % tag.encode())
        untagged = a.ok('UID SEARCH RETURN (CONTEXT) 1:3')
        self.assertTrue(any(re.match(rb'\* ESEARCH \(TAG "a\d+"\) UID ALL \d', l) for l in untagged), untagged)
        # §4.3: UPDATE under a tag still updated is BAD.
        a.c.c.send(b'%s UID SEARCH RETURN (UPDATE ALL) ALL\r\n' % tag.encode())
        line, _ = a.c.c.read_until_tagged(tag)
        self.assertTrue(line.startswith(tag.encode() + b' BAD'), line)
        # §4.3.1: beyond the limit (8 per mailbox, at least the RFC's one), * NO
        # [NOUPDATE "tag"], the other options still answered.
        for n in range(3, 30):
            status, line, untagged = a.cmd('SEARCH RETURN (UPDATE COUNT) ALL')
            self.assertEqual(status, 'OK', line)
            tag5 = line.split()[0]
            self.assertTrue(any(l.startswith(b'* ESEARCH (TAG "%s") COUNT ' % tag5.encode()) for l in untagged))
            if any(l.startswith(b'* NO [NOUPDATE') for l in untagged):
                break
        self.assertEqual(1 + n - 3, 8, 'contexts kept before NOUPDATE')
        self.assertIn(b'* NO [NOUPDATE "%s"]' % tag5.encode(), b'\n'.join(untagged))
        # CANCELUPDATE: that context hears nothing more; an unknown tag is NO.
        self.assertEqual(a.cmd('CANCELUPDATE "%s"' % tag)[0], 'OK')
        self.assertEqual(a.cmd('CANCELUPDATE "%s"' % tag)[0], 'NO')
        self.assertEqual(a.cmd('CANCELUPDATE %s' % tag)[0], 'BAD')  # quoted only
        b.ok('STORE 1:4 +FLAGS.SILENT (\\Seen)')
        time.sleep(0.3)
        untagged = a.ok('NOOP')
        self.assertFalse([l for l in untagged if l.startswith(b'* ESEARCH (TAG "%s")' % tag.encode())], untagged)
        # A context ends when the mailbox is no longer selected (§4.3).
        a.ok('UNSELECT')
        a.ok('SELECT INBOX')
        b.ok('STORE 1:4 -FLAGS.SILENT (\\Seen)')
        time.sleep(0.3)
        self.assertFalse([l for l in a.ok('NOOP') if b'ESEARCH' in l])
        a.open_context('UID SEARCH RETURN (UPDATE ALL) ALL', False)  # room again


class ContextDovecotDiff(unittest.TestCase):
    """The SEARCH contexts against Dovecot 2.3 (CONTEXT=SEARCH): the same first
    answers, and after each round both kept results equal the fresh search."""

    def test_same_results(self):
        missing = [b for b in ('dovecot', 'doveconf')
                   if shutil.which(b, path=os.environ.get('PATH', '') + ':/usr/sbin:/sbin') is None]
        if missing or not os.path.exists('/usr/lib/dovecot/lmtp'):
            if os.environ.get('CI'):
                raise RuntimeError('Dovecot is not installed [CI is set]')
            raise unittest.SkipTest('Dovecot is not installed')
        results = {}
        for srv in (loftlib.LoftServer(), loftlib.DovecotServer()):
            srv.start()
            try:
                srv.add_user('alice', PASSWORD)
                deliver(srv, 1, 12)
                a, b = Client(srv), Client(srv, 'b')
                a.ok('SELECT INBOX')
                commands, firsts = {}, []
                for command in DOVECOT_SEARCHES:
                    tag, first = a.open_context(command, False)
                    commands[tag] = command
                    firsts.append(first)
                rounds(srv, a, b, commands)
                results[srv.name] = (firsts, [a.contexts[t].items for t in commands])
            finally:
                srv.stop()
                srv.cleanup()
        (lname, loft), (dname, dove) = results.items()
        self.assertEqual(loft, dove, (lname, dname))


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""Mailbox commands end to end (RFC 3501 §6.3.3-§6.3.10 and the extensions
around them): CREATE (superiors, trailing delimiter, RFC 6154 USE), DELETE
(INBOX, inferiors, the selected mailbox), RENAME (hierarchy, INBOX),
SUBSCRIBE/UNSUBSCRIBE, LIST/LSUB (wildcards, reference, delimiter query,
CHILDREN, SPECIAL-USE, RFC 5258 extended forms), XLIST, STATUS, NAMESPACE,
ID, ENABLE; modified UTF-7 names and every bad name or state refused with a
clear answer; LIST on an account with 2,000 mailboxes (timed).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_mailboxes.py
"""

import imaplib
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'
LIST_RE = re.compile(rb'^\* (LIST|LSUB|XLIST) \(([^)]*)\) "/" (.*?)( \("CHILDINFO".*)?$')


class Imap(loftlib.RawImap):
    """A raw IMAP connection (loftlib.RawImap), logged in unless login=False."""

    def __init__(self, server, user, login=True):
        super().__init__(server, user if login else None, PASSWORD, tag_prefix='m')

    def listing(self, text):
        """{name: set(attributes)} of a LIST/LSUB/XLIST answer."""
        out = {}
        for line in self.ok(text):
            m = LIST_RE.match(line)
            assert m, line
            name = m.group(3).decode()
            if name.startswith('"'):
                name = name[1:-1]
            out[name] = set(m.group(2).decode().split())
        return out

    def close(self):
        self.c.close()


class MailboxTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        for user in ('alice', 'bob', 'carol', 'dave'):
            cls.server.add_user(user, PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def setUp(self):
        self.m = Imap(self.server, 'alice')

    def tearDown(self):
        self.m.close()

    def deliver(self, user, count):
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            for i in range(count):
                body = b'Subject: m%d\r\nFrom: a@example.org\r\n\r\nbody\r\n' % i
                _, _, data = lmtp.transaction('a@example.org', ['%s@example.org' % user],
                                              loftlib.wire_data(body)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    def status(self, m, name, items='MESSAGES UIDNEXT UIDVALIDITY UNSEEN RECENT'):
        lines = m.ok('STATUS %s (%s)' % (name, items))
        self.assertEqual(len(lines), 1)
        inner = re.match(rb'^\* STATUS .* \((.*)\)$', lines[0]).group(1).split()
        return {inner[i].decode(): int(inner[i + 1]) for i in range(0, len(inner), 2)}

    # --- capabilities and the small commands ---

    def test_capabilities_id_namespace_enable(self):
        caps = self.m.ok('CAPABILITY')[0].decode().split()
        for cap in ('NAMESPACE', 'ID', 'ENABLE', 'CHILDREN', 'SPECIAL-USE', 'CREATE-SPECIAL-USE',
                    'XLIST', 'LIST-EXTENDED'):
            self.assertIn(cap, caps)
        self.assertEqual(self.m.ok('NAMESPACE'), [b'* NAMESPACE (("" "/")) NIL NIL'])
        self.assertEqual(self.m.ok('ID ("name" "test" "version" NIL)'), [b'* ID ("name" "Loft" "version" "0.1.0")'])
        self.assertEqual(self.m.ok('ENABLE X-UNKNOWN'), [b'* ENABLED'])
        self.assertEqual(self.m.cmd('ENABLE')[0], 'BAD')
        # RFC 2971: ID in any state; RFC 5161: ENABLE only after login, before SELECT.
        pre = Imap(self.server, 'alice', login=False)
        try:
            self.assertEqual(pre.ok('ID NIL'), [b'* ID ("name" "Loft" "version" "0.1.0")'])
            self.assertIn('ID', pre.ok('CAPABILITY')[0].decode().split())
            for text in ('ENABLE X', 'LIST "" "*"', 'CREATE x', 'STATUS INBOX (MESSAGES)', 'NAMESPACE'):
                status, line, _ = pre.cmd(text)
                self.assertEqual(status, 'BAD', line)
                self.assertIn('not allowed before login', line)
        finally:
            pre.close()
        self.m.ok('SELECT INBOX')
        status, line, _ = self.m.cmd('ENABLE CONDSTORE')
        self.assertEqual(status, 'BAD')
        self.assertIn('not allowed in this state', line)
        # The mailbox commands work in the selected state too.
        self.assertIn('INBOX', self.m.listing('LIST "" INBOX'))

    # --- CREATE ---

    def test_create_superiors_trailing_delimiter_and_special_use(self):
        self.m.ok('CREATE c1/c2/c3')
        got = self.m.listing('LIST "" "c1*"')
        # RFC 3501 §6.3.3: superiors are created (real mailboxes, not \Noselect).
        self.assertEqual(got, {'c1': {'\\HasChildren'}, 'c1/c2': {'\\HasChildren'},
                               'c1/c2/c3': {'\\HasNoChildren'}})
        self.m.ok('SELECT c1/c2')
        self.m.ok('CREATE trail/')
        self.assertEqual(self.m.listing('LIST "" trail'), {'trail': {'\\HasNoChildren'}})
        status, line, _ = self.m.cmd('CREATE trail')
        self.assertEqual(status, 'NO')
        self.assertIn('[ALREADYEXISTS]', line)
        status, line, _ = self.m.cmd('CREATE inbox')
        self.assertIn('[ALREADYEXISTS]', line)
        # RFC 6154 §3 CREATE-SPECIAL-USE.
        self.m.ok('CREATE MyDrafts (USE (\\Drafts))')
        self.assertEqual(self.m.listing('LIST "" MyDrafts'), {'MyDrafts': {'\\HasNoChildren', '\\Drafts'}})
        self.assertEqual(self.m.listing('LIST "" MyDrafts RETURN (SPECIAL-USE)'), {'MyDrafts': {'\\Drafts'}})
        for attr in ('\\Flagged', '\\All', '\\Important'):
            status, line, _ = self.m.cmd('CREATE Virtual (USE (%s))' % attr)
            self.assertEqual(status, 'NO')
            self.assertIn('[USEATTR]', line)
        self.assertEqual(self.m.listing('LIST "" Virtual'), {})
        self.assertEqual(self.m.cmd('CREATE x (USE \\Drafts)')[0], 'BAD')

    def test_create_utf7_names_round_trip(self):
        self.m.ok('CREATE "Entw&APw-rfe/&ZeVnLIqe-"')
        got = self.m.listing('LIST "" "Entw&APw-rfe*"')
        self.assertEqual(set(got), {'Entw&APw-rfe', 'Entw&APw-rfe/&ZeVnLIqe-'})
        # The wire name reaches the stored (decoded) mailbox.
        self.assertEqual(self.m.ok('STATUS "Entw&APw-rfe/&ZeVnLIqe-" (MESSAGES)'),
                         [b'* STATUS Entw&APw-rfe/&ZeVnLIqe- (MESSAGES 0)'])
        self.m.ok('CREATE "Tom &- Jerry"')
        self.assertIn('"Tom &- Jerry"', [l.decode().split(' "/" ')[1] for l in self.m.ok('LIST "" "Tom*"')])

    def test_bad_names_are_refused_with_a_reason(self):
        cases = [
            ('CREATE "&AGE-"', 'printable ASCII inside a base64 run'),
            ('CREATE "abc&AOk"', 'unterminated'),
            ('CREATE "a&AOk-&AOk-"', 'adjacent base64 runs'),
            ('CREATE "&2D0-"', 'surrogate'),
            ('CREATE "&A*k-"', 'bad base64 character'),
            ('CREATE "a&AAA-b"', 'Control character'),
            ('CREATE "a&AA0ACg-b"', 'Control character'),
            ('CREATE "x*"', 'Wildcards'),
            ('CREATE "x%y"', 'Wildcards'),
            ('CREATE "/lead"', 'begins with the hierarchy delimiter'),
            ('CREATE "a//b"', 'empty hierarchy level'),
            ('CREATE ""', 'Empty mailbox name'),
            ('CREATE "%s"' % ('x' * 513), 'too long'),
            ('CREATE "%s"' % '/'.join(['d'] * 33), 'too deep'),
            ('DELETE "&AGE-"', 'Invalid modified UTF-7'),
            ('RENAME "&AGE-" x', 'Invalid modified UTF-7'),
            ('RENAME INBOX "a*"', 'Wildcards'),
            ('SUBSCRIBE "&AGE-"', 'Invalid modified UTF-7'),
            ('STATUS "&AGE-" (MESSAGES)', 'Invalid modified UTF-7'),
            ('LIST "" "&AGE-*"', 'Invalid modified UTF-7'),
            ('LIST "" "%s"' % ('%' * 1025), 'pattern too long'),
        ]
        for text, reason in cases:
            status, line, _ = self.m.cmd(text)
            self.assertEqual(status, 'NO', text)
            self.assertIn('[CANNOT]', line, text)
            self.assertIn(reason, line, text)
        # 8-bit bytes and CR/LF inside a literal name.
        for raw in (b'CREATE {5}\r\ncaf\xc3\xa9', b'CREATE {3}\r\na\r\n'):
            self.m.n += 1
            tag = b'm%d' % self.m.n
            head, lit = raw.split(b'\r\n', 1)
            self.m.c.send(tag + b' ' + head + b'\r\n')
            self.assertTrue(self.m.c.readline().startswith(b'+'))
            self.m.c.send(lit + b'\r\n')
            line, _ = self.m.c.read_until_tagged(tag.decode())
            self.assertTrue(line.startswith(tag + b' NO [CANNOT]'), line)
        # Syntax errors are BAD.
        for text in ('CREATE', 'CREATE a b', 'DELETE', 'RENAME a', 'STATUS INBOX', 'STATUS INBOX (BOGUS)',
                     'LIST ""', 'LSUB "" * x', 'LIST (BOGUS) "" *', 'LIST "" * RETURN (BOGUS)', 'XLIST'):
            self.assertEqual(self.m.cmd(text)[0], 'BAD', text)
        self.assertEqual(self.m.listing('LIST "" "*"').keys() & {'x*', 'a//b', 'lead'}, set())

    # --- DELETE ---

    def test_delete(self):
        status, line, _ = self.m.cmd('DELETE INBOX')
        self.assertEqual(status, 'NO')
        self.assertIn('INBOX', line)
        status, line, _ = self.m.cmd('DELETE nothere')
        self.assertIn('[NONEXISTENT]', line)
        self.m.ok('CREATE d1/d2')
        self.m.ok('DELETE d1')
        # RFC 3501 §6.3.4: the inferiors stay; the name becomes \Noselect.
        self.assertEqual(self.m.listing('LIST "" "d1*"'),
                         {'d1': {'\\Noselect', '\\HasChildren'}, 'd1/d2': {'\\HasNoChildren'}})
        self.assertEqual(self.m.listing('LIST "" "d1*" RETURN (CHILDREN)'),
                         {'d1': {'\\NonExistent', '\\HasChildren'}, 'd1/d2': {'\\HasNoChildren'}})
        status, line, _ = self.m.cmd('DELETE d1')
        self.assertIn('[NONEXISTENT]', line)
        self.m.ok('DELETE d1/d2')
        self.assertEqual(self.m.listing('LIST "" "d1*"'), {})
        # The selected mailbox deleted: the session leaves the selected state.
        self.m.ok('CREATE gone')
        self.m.ok('SELECT gone')
        untagged = self.m.ok('DELETE gone')
        self.assertIn(b'* OK [CLOSED] The selected mailbox was deleted', untagged)
        self.assertEqual(self.m.cmd('FETCH 1 FLAGS')[0], 'BAD')

    # --- RENAME ---

    def test_rename_hierarchy_keeps_uidvalidity(self):
        m = Imap(self.server, 'bob')
        try:
            m.ok('CREATE r1/r2/r3')
            before = self.status(m, 'r1/r2')
            m.ok('SUBSCRIBE r1/r2')
            m.ok('RENAME r1 n1/n2')
            got = m.listing('LIST "" "*1*"')
            self.assertEqual(set(got), {'n1', 'n1/n2', 'n1/n2/r2', 'n1/n2/r2/r3'})
            self.assertEqual(self.status(m, 'n1/n2/r2')['UIDVALIDITY'], before['UIDVALIDITY'])
            # Subscriptions stay with the old name (RFC 3501 §6.3.6).
            self.assertIn('r1/r2', m.listing('LSUB "" "*"'))
            status, line, _ = m.cmd('RENAME nothere x')
            self.assertIn('[NONEXISTENT]', line)
            m.ok('CREATE taken')
            status, line, _ = m.cmd('RENAME n1 taken')
            self.assertIn('[ALREADYEXISTS]', line)
            status, line, _ = m.cmd('RENAME n1 n1/inside')
            self.assertEqual(status, 'BAD')  # the store's bad_input
            status, line, _ = m.cmd('RENAME taken INBOX')
            self.assertIn('[ALREADYEXISTS]', line)
        finally:
            m.close()

    def test_rename_inbox_moves_its_messages(self):
        self.deliver('carol', 3)
        m = Imap(self.server, 'carol')
        try:
            self.assertEqual(self.status(m, 'INBOX')['MESSAGES'], 3)
            m.ok('RENAME INBOX old/inbox')
            self.assertEqual(self.status(m, 'INBOX')['MESSAGES'], 0)
            moved = self.status(m, 'old/inbox')
            self.assertEqual((moved['MESSAGES'], moved['UNSEEN']), (3, 3))
            self.assertEqual(set(m.listing('LIST "" "old*"')), {'old', 'old/inbox'})
        finally:
            m.close()

    # --- SUBSCRIBE, LSUB ---

    def test_subscribe_and_lsub(self):
        m = Imap(self.server, 'dave')
        try:
            # A new account: INBOX and the special-use mailboxes, subscribed.
            self.assertEqual(m.listing('LSUB "" "*"'),
                             {'INBOX': set(), 'Archive': {'\\Archive'}, 'Drafts': {'\\Drafts'},
                              'Junk': {'\\Junk'}, 'Sent': {'\\Sent'}, 'Trash': {'\\Trash'}})
            status, line, _ = m.cmd('SUBSCRIBE nothere')
            self.assertIn('[NONEXISTENT]', line)
            m.ok('CREATE s1/s2')
            m.ok('SUBSCRIBE s1/s2')
            # RFC 3501 §6.3.9: with a trailing '%' the unsubscribed level shows as \Noselect.
            self.assertEqual(m.listing('LSUB "" "s%"'), {'s1': {'\\Noselect'}})
            self.assertEqual(m.listing('LSUB "" "s*"'), {'s1/s2': set()})
            self.assertEqual(m.listing('LIST (SUBSCRIBED RECURSIVEMATCH) "" "s%"'), {'s1': set()})
            lines = m.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "s%"')
            self.assertIn(b'("CHILDINFO" ("SUBSCRIBED"))', lines[0])
            m.ok('DELETE s1/s2')
            # The subscription outlives the mailbox (RFC 3501 §6.3.6).
            self.assertEqual(m.listing('LSUB "" "s*"'), {'s1/s2': set()})
            self.assertEqual(m.listing('LIST (SUBSCRIBED) "" "s*"'), {'s1/s2': {'\\NonExistent', '\\Subscribed'}})
            m.ok('UNSUBSCRIBE s1/s2')
            m.ok('UNSUBSCRIBE s1/s2')  # not subscribed: still OK
            self.assertEqual(m.listing('LSUB "" "s*"'), {})
            m.ok('SUBSCRIBE inbox')
            self.assertIn('INBOX', m.listing('LSUB "" INBOX'))
        finally:
            m.close()

    # --- LIST forms ---

    def test_list_forms(self):
        m = self.m
        m.ok('CREATE l1/l2/l3')
        m.ok('CREATE l1/x')
        self.assertEqual(m.ok('LIST "" ""'), [b'* LIST (\\Noselect) "/" ""'])
        self.assertEqual(m.ok('LIST "l1/l2" ""'), [b'* LIST (\\Noselect) "/" l1/'])
        self.assertEqual(set(m.listing('LIST "" "l1/%"')), {'l1/l2', 'l1/x'})
        self.assertEqual(set(m.listing('LIST "l1/" "%"')), {'l1/l2', 'l1/x'})
        self.assertEqual(set(m.listing('LIST "l1" "/*"')), {'l1/l2', 'l1/x', 'l1/l2/l3'})
        self.assertEqual(set(m.listing('LIST "" "l%/%/%"')), {'l1/l2/l3'})
        self.assertEqual(m.listing('LIST "" "inbox"'), {'INBOX': {'\\HasNoChildren'}})
        self.assertEqual(set(m.listing('LIST "" (l1 "l1/x" nothing)')), {'l1', 'l1/x'})
        self.assertEqual(m.listing('LIST "" "l1" RETURN (CHILDREN)'), {'l1': {'\\HasChildren'}})
        self.assertEqual(m.listing('LIST "" "l1" RETURN ()'), {'l1': set()})
        top = m.listing('LIST "" "%"')
        self.assertEqual(top['Sent'], {'\\HasNoChildren', '\\Sent'})
        self.assertEqual(m.listing('LIST (SPECIAL-USE) "" "*"'),
                         {'Archive': {'\\Archive'}, 'Drafts': {'\\Drafts'}, 'Junk': {'\\Junk'},
                          'Sent': {'\\Sent'}, 'Trash': {'\\Trash'}, 'MyDrafts': {'\\Drafts'}}
                         if 'MyDrafts' in top else
                         {'Archive': {'\\Archive'}, 'Drafts': {'\\Drafts'}, 'Junk': {'\\Junk'},
                          'Sent': {'\\Sent'}, 'Trash': {'\\Trash'}})
        xl = m.listing('XLIST "" "%"')
        self.assertEqual(xl['INBOX'], {'\\HasNoChildren', '\\Inbox'})
        self.assertEqual(xl['Junk'], {'\\HasNoChildren', '\\Spam'})
        self.assertTrue(all(l.startswith(b'* XLIST ') for l in m.ok('XLIST "" "*"')))
        # A pathological pattern answers at once.
        t0 = time.monotonic()
        self.assertEqual(m.listing('LIST "" "%s"' % ('%*' * 200 + 'zz')), {})
        self.assertLess(time.monotonic() - t0, 2.0)
        # imaplib's own list() parses the answer.
        im = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            im.login('alice', PASSWORD)
            typ, data = im.list('""', '"l1/*"')
            self.assertEqual(typ, 'OK')
            self.assertEqual(len(data), 3)
        finally:
            im.logout()

    # --- STATUS ---

    def test_status(self):
        self.deliver('alice', 2)
        st = self.status(self.m, 'INBOX', 'MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ')
        self.assertGreaterEqual(st['MESSAGES'], 2)
        self.assertEqual(st['UNSEEN'], st['MESSAGES'])
        self.assertEqual(st['RECENT'], st['MESSAGES'])  # RFC 3501 §2.3.2: no session has claimed them yet
        self.assertGreater(st['UIDNEXT'], st['MESSAGES'])
        self.assertGreater(st['UIDVALIDITY'], 0)
        self.m.ok('SELECT INBOX')
        self.m.ok('FETCH 1 BODY[TEXT]')
        self.assertEqual(self.status(self.m, 'inbox', 'UNSEEN')['UNSEEN'], st['UNSEEN'] - 1)
        lines = self.m.ok('STATUS INBOX (UIDNEXT MESSAGES)')
        self.assertRegex(lines[0].decode(), r'^\* STATUS INBOX \(UIDNEXT \d+ MESSAGES \d+\)$')
        status, line, _ = self.m.cmd('STATUS nothere (MESSAGES)')
        self.assertIn('[NONEXISTENT]', line)

    # --- a large account ---

    def test_list_on_2000_mailboxes(self):
        self.server.add_user('erin', PASSWORD)
        m = Imap(self.server, 'erin')
        try:
            # Pipelined: 2,000 CREATEs in one write, then the answers.
            names = ['big%02d/box%03d' % (i // 100, i % 100) for i in range(2000)]
            m.c.send(b''.join(b'b%d CREATE %s\r\n' % (i, n.encode()) for i, n in enumerate(names)))
            line, _ = m.c.read_until_tagged('b1999', max_lines=5000)
            self.assertIn(b'OK', line)
            timings = {}
            for text in ('LIST "" "*"', 'LIST "" "%"', 'LIST "" "%s"' % ('%*' * 300 + 'q'),
                         'LIST "" "*" RETURN (CHILDREN SPECIAL-USE SUBSCRIBED)'):
                t0 = time.monotonic()
                lines = m.ok(text)
                timings[text[:40]] = (time.monotonic() - t0) * 1000
                if text == 'LIST "" "*"':
                    self.assertEqual(len(lines), 2000 + 20 + 6)
            print('LIST times on 2,026 mailboxes (ms): %s' %
                  ', '.join('%s: %.1f' % kv for kv in timings.items()), flush=True)
            self.assertLess(max(timings.values()), 3000)
        finally:
            m.close()


if __name__ == '__main__':
    loftlib.run_unittest('e2e-mailboxes')

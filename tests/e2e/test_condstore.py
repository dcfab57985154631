#!/usr/bin/env python3
"""CONDSTORE and QRESYNC end to end (RFC 7162): HIGHESTMODSEQ in SELECT and
STATUS, FETCH MODSEQ and (CHANGEDSINCE n [VANISHED]), STORE (UNCHANGEDSINCE n)
with [MODIFIED], SEARCH MODSEQ, ENABLE, SELECT (CONDSTORE) and (QRESYNC ...),
[CLOSED], VANISHED instead of EXPUNGE (EXPUNGE, MOVE, IDLE), each with its
errors; and a QRESYNC resync after expunges and flag changes by another
session, checked against a full re-fetch.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_condstore.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'
FETCH_RE = re.compile(rb'^\* (\d+) FETCH \((.*)\)$')


class Imap(loftlib.RawImap):
    """A logged-in raw IMAP connection (loftlib.RawImap)."""

    def __init__(self, server, user):
        super().__init__(server, user, PASSWORD, tag_prefix='c')

    def close(self):
        self.c.close()


def fetches(lines):
    """{uid: {'seq', 'flags', 'modseq'}} of the untagged FETCH lines that carry a UID."""
    out = {}
    for line in lines:
        m = FETCH_RE.match(line)
        if not m:
            continue
        body = m.group(2).decode()
        uid = re.search(r'UID (\d+)', body)
        flags = re.search(r'FLAGS \(([^)]*)\)', body)
        modseq = re.search(r'MODSEQ \((\d+)\)', body)
        key = int(uid.group(1)) if uid else -int(m.group(1))
        out[key] = {'seq': int(m.group(1)),
                    'flags': set(flags.group(1).split()) - {'\\Recent'} if flags else None,
                    'modseq': int(modseq.group(1)) if modseq else None}
    return out


def uid_set(text):
    out = []
    for part in text.split(','):
        a, _, b = part.partition(':')
        out.extend(range(int(a), int(b or a) + 1))
    return out


def vanished(lines, earlier):
    prefix = b'* VANISHED (EARLIER) ' if earlier else b'* VANISHED '
    out = []
    for line in lines:
        if line.startswith(prefix) and (earlier or not line.startswith(b'* VANISHED (')):
            out.extend(uid_set(line[len(prefix):].decode()))
    return out


def code_number(lines, name):
    for line in lines:
        m = re.search(r'\[%s (\d+)\]' % name, line if isinstance(line, str) else line.decode())
        if m:
            return int(m.group(1))
    return None


class CondstoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.users = iter('user%d' % i for i in range(100))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def setUp(self):
        # A fresh account per test: modseqs and UIDs start from a known state.
        self.user = next(self.users)
        self.server.add_user(self.user, PASSWORD)
        self.deliver(6)
        self.m = Imap(self.server, self.user)
        self.others = []

    def tearDown(self):
        self.m.close()
        for o in self.others:
            o.close()

    def other(self):
        o = Imap(self.server, self.user)
        self.others.append(o)
        return o

    def deliver(self, count):
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            for i in range(count):
                body = b'Subject: m%d\r\nFrom: a@example.org\r\n\r\nbody\r\n' % i
                _, _, data = lmtp.transaction('a@example.org', ['%s@example.org' % self.user],
                                              loftlib.wire_data(body)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    def select(self, m=None, args=''):
        m = m or self.m
        status, line, lines = m.cmd('SELECT INBOX' + args)
        self.assertEqual(status, 'OK', line)
        return lines

    # --- CONDSTORE ---

    def test_capability_highestmodseq_in_select_and_status(self):
        caps = self.m.ok('CAPABILITY')[0].split()
        self.assertIn(b'CONDSTORE', caps)
        self.assertIn(b'QRESYNC', caps)
        st = self.m.ok('STATUS INBOX (HIGHESTMODSEQ MESSAGES)')[0].decode()
        hms = int(re.search(r'HIGHESTMODSEQ (\d+)', st).group(1))
        lines = self.select()
        self.assertEqual(code_number(lines, 'HIGHESTMODSEQ'), hms)
        self.assertFalse(any(b'NOMODSEQ' in x for x in lines))
        # EXAMINE too; and a modseq never goes down after a change.
        self.m.ok('STORE 1 +FLAGS (\\Flagged)')
        lines = self.m.ok('EXAMINE INBOX')
        self.assertGreater(code_number(lines, 'HIGHESTMODSEQ'), hms)

    def test_fetch_modseq_and_changedsince(self):
        self.select()
        got = fetches(self.m.ok('UID FETCH 1:* (MODSEQ)'))
        self.assertEqual(sorted(got), [1, 2, 3, 4, 5, 6])
        base = max(v['modseq'] for v in got.values())
        self.m.ok('UID STORE 2,5 +FLAGS (\\Seen)')
        changed = fetches(self.m.ok('UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % base))
        self.assertEqual(sorted(changed), [2, 5])
        for v in changed.values():  # CHANGEDSINCE implies MODSEQ
            self.assertGreater(v['modseq'], base)
            self.assertIn('\\Seen', v['flags'])
        # FETCH (not UID) with sequence numbers, and a set that excludes the change.
        self.assertEqual(len(fetches(self.m.ok('FETCH 1:* (UID) (CHANGEDSINCE %d)' % base))), 2)
        self.assertEqual(fetches(self.m.ok('UID FETCH 1,3 (FLAGS) (CHANGEDSINCE %d)' % base)), {})
        # A UID set is tested per changed UID: a range holding one change, and
        # "n:*" with n above every UID meaning "the last message" (RFC 3501 §9).
        self.assertEqual(sorted(fetches(self.m.ok('UID FETCH 4:5 (FLAGS) (CHANGEDSINCE %d)' % base))), [5])
        self.m.ok('UID STORE 6 +FLAGS (\\Answered)')
        self.assertEqual(sorted(fetches(self.m.ok('UID FETCH 99:* (FLAGS) (CHANGEDSINCE %d)' % base))), [6])
        # CHANGEDSINCE 0: everything.
        self.assertEqual(len(fetches(self.m.ok('UID FETCH 1:* (FLAGS) (CHANGEDSINCE 0)'))), 6)
        for bad in ('UID FETCH 1:* FLAGS (CHANGEDSINCE)', 'UID FETCH 1:* FLAGS (CHANGEDSINCE x)',
                    'UID FETCH 1:* FLAGS (FOO 1)', 'UID FETCH 1:* FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)',
                    'UID FETCH 1:* FLAGS (CHANGEDSINCE 99999999999999999999)',
                    'UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)',  # QRESYNC not enabled
                    'FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)', 'UID FETCH 1:* FLAGS (VANISHED)'):
            status, line, _ = self.m.cmd(bad)
            self.assertEqual(status, 'BAD', bad + ' -> ' + line)

    def test_fetch_seen_reports_modseq_once_enabled(self):
        self.select()
        self.m.ok('FETCH 1 (MODSEQ)')  # a CONDSTORE-enabling command
        raw = b' '.join(self.m.ok('FETCH 1 (BODY[TEXT])'))
        self.assertIn(b'FLAGS (\\Seen', raw)
        self.assertRegex(raw, rb'MODSEQ \(\d+\)\)$')

    def test_store_unchangedsince_and_modified(self):
        self.select()
        ms = {u: v['modseq'] for u, v in fetches(self.m.ok('UID FETCH 1:* (MODSEQ)')).items()}
        # Another session changes message 3 after we read its modseq.
        o = self.other()
        self.select(o)
        o.ok('UID STORE 3 +FLAGS (\\Answered)')
        status, line, lines = self.m.cmd('UID STORE 1:4 (UNCHANGEDSINCE %d) +FLAGS (\\Flagged)' % max(ms.values()))
        self.assertEqual(status, 'OK', line)
        self.assertIn('[MODIFIED 3]', line)
        got = fetches(lines)
        for uid in (1, 2, 4):
            self.assertIn('\\Flagged', got[uid]['flags'])
            self.assertGreater(got[uid]['modseq'], ms[uid])
        # STORE with sequence numbers names sequence numbers in MODIFIED.
        self.m.ok('UID STORE 6 +FLAGS (\\Seen)')
        status, line, _ = self.m.cmd('STORE 5:6 (UNCHANGEDSINCE %d) -FLAGS (\\Draft)' % ms[6])
        self.assertIn('[MODIFIED 6]', line)
        # UNCHANGEDSINCE 0 fails for every message.
        status, line, lines = self.m.cmd('UID STORE 1:2 (UNCHANGEDSINCE 0) +FLAGS (\\Deleted)')
        self.assertIn('[MODIFIED 1:2]', line)
        self.assertEqual(fetches(lines), {})
        # .SILENT still reports the new MODSEQ once CONDSTORE is on (RFC 7162 §3.1.3).
        lines = self.m.ok('UID STORE 2 +FLAGS.SILENT (kw1)')
        got = fetches(lines)
        self.assertIsNone(got[2]['flags'])
        self.assertIsNotNone(got[2]['modseq'])
        for bad in ('STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)', 'STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)',
                    'STORE 1 (FOO 1) +FLAGS (\\Seen)', 'STORE 1 (UNCHANGEDSINCE 1)+FLAGS (\\Seen)'):
            status, line, _ = self.m.cmd(bad)
            self.assertEqual(status, 'BAD', bad + ' -> ' + line)

    def test_search_modseq(self):
        self.select()
        ms = {u: v['modseq'] for u, v in fetches(self.m.ok('UID FETCH 1:* (MODSEQ)')).items()}
        base = max(ms.values())
        self.m.ok('UID STORE 2,4 +FLAGS (\\Seen)')
        after = {u: v['modseq'] for u, v in fetches(self.m.ok('UID FETCH 2,4 (MODSEQ)')).items()}
        lines = self.m.ok('UID SEARCH MODSEQ %d' % (base + 1))
        self.assertEqual(lines, [('* SEARCH 2 4 (MODSEQ %d)' % max(after.values())).encode()])
        lines = self.m.ok('SEARCH MODSEQ "/flags/\\\\Seen" all %d' % (base + 1))
        self.assertEqual(lines, [('* SEARCH 2 4 (MODSEQ %d)' % max(after.values())).encode()])
        self.assertEqual(self.m.ok('SEARCH MODSEQ %d' % (max(after.values()) + 1)), [b'* SEARCH'])
        self.assertEqual(self.m.ok('SEARCH OR MODSEQ %d UID 1 NOT SEEN' % (base + 1))[0].split(b' (')[0],
                         b'* SEARCH 1')
        for bad in ('SEARCH MODSEQ', 'SEARCH MODSEQ x', 'SEARCH MODSEQ "/flags/\\\\Seen" nobody 1',
                    'SEARCH MODSEQ "/other/x" all 1'):
            status, line, _ = self.m.cmd(bad)
            self.assertEqual(status, 'BAD', bad + ' -> ' + line)

    def test_esearch_modseq(self):
        # RFC 7162 §3.1.5 with RFC 4731: MIN or MAX alone carry that message's
        # mod-sequence; ALL and COUNT the highest of the matches.
        self.select()
        self.m.ok('UID STORE 2 +FLAGS (\\Seen)')
        self.m.ok('UID STORE 4 +FLAGS (\\Seen)')
        ms = {u: v['modseq'] for u, v in fetches(self.m.ok('UID FETCH 2,4 (MODSEQ)')).items()}
        self.assertLess(ms[2], ms[4])

        def esearch(ret, since):
            lines = self.m.ok('UID SEARCH RETURN (%s) MODSEQ %d' % (ret, since))
            self.assertEqual(len(lines), 1, lines)
            return re.sub(rb'^\* ESEARCH \(TAG "[^"]*"\) ', b'', lines[0]).decode()

        self.assertEqual(esearch('MIN', ms[2]), 'UID MIN 2 MODSEQ %d' % ms[2])
        self.assertEqual(esearch('MAX', ms[2]), 'UID MAX 4 MODSEQ %d' % ms[4])
        self.assertEqual(esearch('MIN MAX', ms[2]), 'UID MIN 2 MAX 4 MODSEQ %d' % ms[4])
        self.assertEqual(esearch('COUNT', ms[2]), 'UID COUNT 2 MODSEQ %d' % ms[4])
        self.assertEqual(esearch('ALL', ms[2]), 'UID ALL 2,4 MODSEQ %d' % ms[4])
        self.assertEqual(esearch('COUNT', ms[4] + 1), 'UID COUNT 0')

    def test_unsolicited_fetch_carries_modseq_once_enabled(self):
        self.select()
        o = self.other()
        self.select(o)
        o.ok('UID STORE 1 +FLAGS (\\Flagged)')
        got = fetches(self.m.ok('NOOP'))
        self.assertIsNone(got[-1]['modseq'])  # CONDSTORE not enabled yet
        # ENABLE is for the authenticated state (RFC 5161 §3.1); STATUS HIGHESTMODSEQ enables too.
        self.assertEqual(self.m.cmd('ENABLE CONDSTORE')[0], 'BAD')
        self.m.ok('STATUS INBOX (HIGHESTMODSEQ)')
        o.ok('UID STORE 1 +FLAGS (\\Seen)')
        got = fetches(self.m.ok('NOOP'))
        self.assertIsNotNone(got[-1]['modseq'])

    # --- QRESYNC ---

    def test_enable_select_params_and_closed(self):
        status, line, _ = self.m.cmd('SELECT INBOX (QRESYNC (1 1))')
        self.assertEqual(status, 'BAD', line)  # before ENABLE QRESYNC
        self.assertEqual(self.m.ok('ENABLE QRESYNC'), [b'* ENABLED QRESYNC'])
        self.assertEqual(self.m.ok('ENABLE QRESYNC CONDSTORE'), [b'* ENABLED'])  # already on
        lines = self.select(args=' (CONDSTORE)')
        self.assertIsNotNone(code_number(lines, 'HIGHESTMODSEQ'))
        self.assertFalse(any(b'[CLOSED]' in x for x in lines))
        lines = self.m.ok('EXAMINE INBOX')
        self.assertTrue(lines[0].startswith(b'* OK [CLOSED]'), lines)
        for bad in ('SELECT INBOX (QRESYNC)', 'SELECT INBOX (QRESYNC (0 1))', 'SELECT INBOX (QRESYNC (1))',
                    'SELECT INBOX (QRESYNC (1 0))', 'SELECT INBOX (FOO)', 'SELECT INBOX (CONDSTORE CONDSTORE)',
                    'SELECT INBOX (QRESYNC (1 1 1:5 (1:3 1:2)))', 'SELECT INBOX ()'):
            status, line, _ = self.m.cmd(bad)
            self.assertEqual(status, 'BAD', bad + ' -> ' + line)
        # A BAD SELECT leaves the mailbox selected.
        self.m.ok('FETCH 1 (UID)')

    def test_uid_fetch_vanished(self):
        self.m.ok('ENABLE QRESYNC')
        self.select()
        base = max(v['modseq'] for v in fetches(self.m.ok('UID FETCH 1:* (MODSEQ)')).values())
        o = self.other()
        self.select(o)
        o.ok('UID STORE 2,3,5 +FLAGS.SILENT (\\Deleted)')
        o.ok('UID EXPUNGE 2,3')
        lines = self.m.ok('UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)' % base)
        self.assertEqual(vanished(lines, True), [2, 3])
        self.assertEqual(sorted(fetches(lines)), [5])
        live = vanished(lines, False)
        lines2 = self.m.ok('UID FETCH 3:4 (FLAGS) (CHANGEDSINCE %d VANISHED)' % base)
        self.assertEqual(vanished(lines2, True), [3])
        lines3 = self.m.ok('NOOP')
        # The live update is VANISHED, not EXPUNGE, once QRESYNC is on: once.
        self.assertEqual(live + vanished(lines2, False) + vanished(lines3, False), [2, 3])
        self.assertFalse(any(x.endswith(b'EXPUNGE') for x in lines + lines2 + lines3))

    def test_vanished_after_expunge_move_and_in_idle(self):
        self.m.ok('ENABLE QRESYNC')
        self.select()
        self.m.ok('CREATE Other')
        self.m.ok('UID STORE 1,2 +FLAGS.SILENT (\\Deleted)')
        status, line, lines = self.m.cmd('EXPUNGE')
        self.assertEqual(status, 'OK', line)
        self.assertEqual(vanished(lines, False), [1, 2])
        self.assertFalse(any(b'EXPUNGE' in x for x in lines))
        self.assertIsNotNone(code_number([line], 'HIGHESTMODSEQ'))
        lines = self.m.ok('UID MOVE 3:4 Other')
        self.assertEqual(vanished(lines, False), [3, 4])
        self.assertFalse(any(x.endswith(b'EXPUNGE') for x in lines))
        # IDLE: another session's expunge arrives as VANISHED.
        o = self.other()
        self.select(o)
        self.m.c.send(b'i1 IDLE\r\n')
        self.assertTrue(self.m.c.readline().startswith(b'+'))
        o.ok('UID STORE 5 +FLAGS.SILENT (\\Deleted)')
        o.ok('EXPUNGE')
        pushed = []
        for _ in range(10):
            pushed.append(self.m.c.readline().rstrip(b'\r\n'))
            if pushed[-1].startswith(b'* VANISHED'):
                break
        self.assertEqual(pushed[-1], b'* VANISHED 5')
        # Unsolicited FETCH carries UID and MODSEQ with QRESYNC on.
        for line in pushed[:-1]:
            self.assertRegex(line, rb'^\* \d+ FETCH \(UID 5 FLAGS \([^)]*\) MODSEQ \(\d+\)\)$')
        self.m.c.send(b'DONE\r\n')
        tagged, _ = self.m.c.read_until_tagged('i1')
        self.assertIn(b'OK', tagged)
        # CLOSE reports the HIGHESTMODSEQ after its expunge.
        self.m.ok('UID STORE 6 +FLAGS.SILENT (\\Deleted)')
        status, line, lines = self.m.cmd('CLOSE')
        self.assertIsNotNone(code_number([line], 'HIGHESTMODSEQ'), line)
        self.assertEqual(lines, [])

    def test_qresync_resync_matches_full_refetch(self):
        """QRESYNC resync after expunges and flag changes by another session,
        checked against a full re-fetch."""
        self.deliver(14)  # 20 messages
        # The client's cache, as a first full sync left it.
        lines = self.select()
        uidvalidity = code_number(lines, 'UIDVALIDITY')
        hms = code_number(lines, 'HIGHESTMODSEQ')
        cache = {u: v['flags'] for u, v in fetches(self.m.ok('UID FETCH 1:* (FLAGS)')).items()}
        self.assertEqual(len(cache), 20)
        self.m.close()
        # Another session changes flags, expunges, delivers more.
        o = self.other()
        self.select(o)
        o.ok('UID STORE 2,4,6,8 +FLAGS.SILENT (\\Seen)')
        o.ok('UID STORE 6 +FLAGS.SILENT ($Label1)')
        o.ok('UID STORE 3,9,10,17 +FLAGS.SILENT (\\Deleted)')
        o.ok('UID EXPUNGE 3,9,10')  # 17 stays, \Deleted
        self.deliver(2)
        o.ok('UID STORE 12 +FLAGS.SILENT (\\Answered)')
        o.ok('UID STORE 12 -FLAGS.SILENT (\\Answered)')  # changed and back: still reported
        # The client comes back with QRESYNC.
        self.m = Imap(self.server, self.user)
        self.m.ok('ENABLE QRESYNC')
        known = '1:%d' % max(cache)
        lines = self.select(args=' (QRESYNC (%d %d %s))' % (uidvalidity, hms, known))
        gone = vanished(lines, True)
        self.assertEqual(sorted(gone), [3, 9, 10])
        changed = fetches(lines)
        self.assertEqual(sorted(changed), [2, 4, 6, 8, 12, 17])
        for uid in gone:
            cache.pop(uid)
        for uid, v in changed.items():
            self.assertGreater(v['modseq'], hms)
            cache[uid] = v['flags']
        exists = [int(x.split()[1]) for x in lines if x.endswith(b' EXISTS')][0]
        new = fetches(self.m.ok('UID FETCH %d:* (FLAGS)' % (max(cache) + 1)))
        cache.update({u: v['flags'] for u, v in new.items()})
        full = {u: v['flags'] for u, v in fetches(self.m.ok('UID FETCH 1:* (FLAGS)')).items()}
        self.assertEqual(cache, full)
        self.assertEqual(len(full), exists)
        # Known UIDs limit the answer; a UIDVALIDITY that does not match gets nothing.
        lines = self.select(args=' (QRESYNC (%d %d 1:5))' % (uidvalidity, hms))
        self.assertTrue(lines[0].startswith(b'* OK [CLOSED]'))
        self.assertEqual(vanished(lines, True), [3])
        self.assertEqual(sorted(fetches(lines)), [2, 4])
        lines = self.select(args=' (QRESYNC (%d %d))' % (uidvalidity + 1, hms))
        self.assertEqual(vanished(lines, True), [])
        self.assertEqual(fetches(lines), {})
        # seq-match-data is accepted (Loft keeps every tombstone, so it needs none).
        lines = self.select(args=' (QRESYNC (%d %d 1:20 (1:3 1,2,4)))' % (uidvalidity, hms))
        self.assertEqual(sorted(vanished(lines, True)), [3, 9, 10])


if __name__ == '__main__':
    unittest.main(verbosity=2)

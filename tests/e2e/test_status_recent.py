#!/usr/bin/env python3
"""STATUS (RECENT) counts the messages with \\Recent (RFC 3501 §6.3.10, §2.3.2):
those no session has been told about yet, which the next SELECT reports as
recent, plus the asking session's own \\Recent ones when it has the mailbox
selected. A message is recent for one session only, so once another session
has SELECTed the mailbox (claiming them), STATUS from elsewhere says 0 again.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_status_recent.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'recent-pw'


class Conn(loftlib.RawConn):
    def login(self):
        assert self.readline().startswith(b'* OK')
        return self.ok('L', 'LOGIN carol "%s"' % PASSWORD)

    def ok(self, tag, line):
        self.send(('%s %s\r\n' % (tag, line)).encode())
        tagged, lines = self.read_until_tagged(tag)
        assert tagged is not None and tagged.startswith(tag.encode() + b' OK'), (line, tagged)
        return lines[:-1]

    def status_recent(self, tag, mailbox='INBOX'):
        lines = self.ok(tag, 'STATUS %s (MESSAGES RECENT)' % mailbox)
        m = re.search(rb'RECENT (\d+)', b' '.join(lines))
        assert m, lines
        return int(m.group(1))


class StatusRecentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('carol', PASSWORD)
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def deliver(self, count):
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            for _ in range(count):
                self.n += 1
                msg = b'Subject: recent %d\r\nFrom: a@example.org\r\n\r\nBody\r\n' % self.n
                _, _, data = lmtp.transaction('a@example.org', ['carol@example.org'],
                                              loftlib.wire_data(msg)[0])
                self.assertEqual([r[0] for r in data.values()], [250], data)
        finally:
            lmtp.close()

    def conn(self):
        c = Conn(self.server.imap_implicit, tls=True)
        c.login()
        return c

    def test_recent_counts(self):
        watcher = self.conn()
        self.assertEqual(watcher.status_recent('S0'), 0)  # empty INBOX
        self.deliver(3)
        self.assertEqual(watcher.status_recent('S1'), 3)
        # LIST-STATUS (RFC 5819) answers RECENT as STATUS does.
        lines = watcher.ok('L1', 'LIST "" "INBOX" RETURN (STATUS (MESSAGES RECENT))')
        self.assertIn(b'* STATUS INBOX (MESSAGES 3 RECENT 3)', lines)
        # EXAMINE does not claim \Recent (§6.3.2): still 3 for everyone.
        reader = self.conn()
        lines = reader.ok('E', 'EXAMINE INBOX')
        self.assertIn(b'* 3 RECENT', lines)
        self.assertEqual(watcher.status_recent('S2'), 3)
        # SELECT claims them: recent in that session only.
        lines = reader.ok('S', 'SELECT INBOX')
        self.assertIn(b'* 3 RECENT', lines)
        self.assertEqual(watcher.status_recent('S3'), 0)
        self.assertEqual(reader.status_recent('R1'), 3)  # its own, as selected
        # FETCH FLAGS shows \Recent in that session, whether the view answers
        # it (FLAGS alone) or the store does (with RFC822.SIZE).
        for tag, items in (('F1', 'FLAGS'), ('F2', 'FLAGS RFC822.SIZE')):
            lines = [l for l in reader.ok(tag, 'FETCH 1:3 (%s)' % items) if b' FETCH ' in l]
            self.assertEqual(len(lines), 3, lines)
            self.assertTrue(all(b'\\Recent' in l for l in lines), lines)
        other = self.conn()
        other.ok('S', 'SELECT INBOX')
        for tag, items in (('F1', 'FLAGS'), ('F2', 'FLAGS RFC822.SIZE')):
            lines = [l for l in other.ok(tag, 'FETCH 1:3 (%s)' % items) if b' FETCH ' in l]
            self.assertFalse(any(b'\\Recent' in l for l in lines), lines)
        other.close()
        # New mail is unclaimed until the selected session hears of it.
        self.deliver(2)
        self.assertEqual(watcher.status_recent('S4'), 2)
        lines = reader.ok('N', 'NOOP')  # the session is told: EXISTS and RECENT
        self.assertIn(b'* 5 RECENT', lines)
        self.assertEqual(watcher.status_recent('S5'), 0)
        self.assertEqual(reader.status_recent('R2'), 5)
        # Another mailbox is counted on its own.
        watcher.ok('C', 'CREATE Other')
        self.assertEqual(watcher.status_recent('S6', 'Other'), 0)
        reader.close()
        watcher.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""IMAP4rev2 (RFC 9051) behind the [imap] imap4rev2 switch: off, neither
CAPABILITY nor ENABLE knows it; on, CAPABILITY lists IMAP4rev2 with
IMAP4rev1 and ENABLE IMAP4rev2 turns on, for that session only (Appendix E):
UTF-8 mailbox names, no \\Recent flag and no RECENT response, STATUS RECENT
is BAD, SEARCH answers ESEARCH, and SELECT sends a LIST of the mailbox
(§6.3.2). A rev1 session on the same server keeps the rev1 forms.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_imap4rev2.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'rev2-pw'


def strip(lines):
    return [l.rstrip(b'\r\n') for l in lines]


class Rev2Off(unittest.TestCase):
    def test_switch_off(self):
        server = loftlib.LoftServer()
        server.start()
        try:
            server.add_user('ren', PASSWORD)
            c = loftlib.RawImap(server, 'ren', PASSWORD)
            self.assertNotIn(b'IMAP4rev2', b' '.join(c.ok('CAPABILITY')))
            self.assertEqual(strip(c.ok('ENABLE IMAP4rev2')), [b'* ENABLED'])
            c.ok('SELECT INBOX')
            found = strip(c.ok('SEARCH ALL'))
            self.assertEqual(found, [b'* SEARCH'])
        finally:
            server.stop()
            server.cleanup()


class Rev2On(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(imap=['imap4rev2 = true'])
        cls.server.start()
        cls.server.add_user('ren', PASSWORD)
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        for i in range(3):
            msg = b'Subject: rev2 %d\r\nFrom: a@example.org\r\n\r\nBody\r\n' % i
            lmtp.transaction('a@example.org', ['ren@example.org'], loftlib.wire_data(msg)[0])
        lmtp.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def rev2(self):
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        self.assertEqual(strip(c.ok('ENABLE IMAP4rev2')), [b'* ENABLED IMAP4rev2'])
        return c

    def test_capability_lists_both(self):
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        greeting = c.readline()
        self.assertIn(b'IMAP4rev1 IMAP4rev2', greeting)

    def test_no_recent_and_select_sends_list(self):
        c = self.rev2()
        lines = strip(c.ok('SELECT INBOX'))
        self.assertFalse(any(l.endswith(b' RECENT') for l in lines), lines)
        self.assertIn(b'* LIST () "/" INBOX', lines)
        self.assertIn(b'* 3 EXISTS', lines)
        fetched = b' '.join(c.ok('FETCH 1:* FLAGS'))
        self.assertNotIn(b'\\Recent', fetched)
        # A delivery while selected: EXISTS, no RECENT.
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        lmtp.transaction('a@example.org', ['ren@example.org'],
                         loftlib.wire_data(b'Subject: more\r\n\r\nx\r\n')[0])
        lmtp.close()
        for _ in range(50):
            lines = strip(c.ok('NOOP'))
            if lines:
                break
        self.assertIn(b'* 4 EXISTS', lines)
        self.assertFalse(any(l.endswith(b' RECENT') for l in lines), lines)
        status, _, _ = c.cmd('STATUS INBOX (MESSAGES RECENT)')
        self.assertEqual(status, 'BAD')
        status, _, _ = c.cmd('LIST "" INBOX RETURN (STATUS (RECENT))')
        self.assertEqual(status, 'BAD')
        self.assertIn(b'(MESSAGES 4)', b' '.join(c.ok('STATUS INBOX (MESSAGES)')))

    def test_search_answers_esearch(self):
        c = self.rev2()
        c.ok('EXAMINE INBOX')
        status, line, lines = c.cmd('SEARCH ALL')
        self.assertEqual(status, 'OK')
        tag = line.split(' ')[0].encode()
        self.assertTrue(any(re.match(rb'\* ESEARCH \(TAG "' + tag + rb'"\) ALL 1:\d', l) for l in strip(lines)), lines)
        status, line, lines = c.cmd('UID SEARCH SUBJECT nothing-like-this')
        tag = line.split(' ')[0].encode()
        self.assertEqual(strip(lines), [b'* ESEARCH (TAG "' + tag + b'") UID'])

    def test_utf8_names(self):
        c = self.rev2()
        c.ok('CREATE "Grüße"'.encode())
        self.assertIn('"Grüße"'.encode(), b' '.join(c.ok('LIST "" G*')))
        lines = strip(c.ok('SELECT "Grüße"'.encode()))
        self.assertIn('* LIST () "/" "Grüße"'.encode(), lines)

    def test_rev1_session_unchanged(self):
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        lines = strip(c.ok('EXAMINE INBOX'))
        self.assertTrue(any(l.endswith(b' RECENT') for l in lines), lines)
        self.assertFalse(any(l.startswith(b'* LIST') for l in lines), lines)
        self.assertTrue(strip(c.ok('SEARCH ALL'))[0].startswith(b'* SEARCH'))
        c.ok('STATUS INBOX (RECENT)')

    def test_enable_rev2_not_in_selected_state(self):
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        c.ok('EXAMINE INBOX')
        status, _, _ = c.cmd('ENABLE IMAP4rev2')
        self.assertEqual(status, 'BAD')


if __name__ == '__main__':
    unittest.main()

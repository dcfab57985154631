#!/usr/bin/env python3
"""UNAUTHENTICATE (RFC 8437): after login only, it closes the selected
mailbox without expunging, forgets what ENABLE turned on, and puts the
session back in the not-authenticated state on the same connection (TLS
stays), where a second login, as anyone, works again.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_unauthenticate.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'unauth-pw'


def caps(imap):
    for line in imap.ok('CAPABILITY'):
        if line.startswith(b'* CAPABILITY '):
            return set(line.decode().split()[2:])
    raise AssertionError('no CAPABILITY')


class UnauthenticateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('ann', PASSWORD)
        cls.server.add_user('ben', PASSWORD)
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for i in range(2):
                msg = b'Subject: u %d\r\nFrom: a@example.org\r\n\r\nBody\r\n' % i
                _, _, data = lmtp.transaction('a@example.org', ['ann@example.org'], loftlib.wire_data(msg)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def test_advertised_after_login_only(self):
        imap = loftlib.RawImap(self.server)
        self.assertNotIn('UNAUTHENTICATE', caps(imap))
        status, line, _ = imap.cmd('UNAUTHENTICATE')
        self.assertEqual(status, 'BAD', line)
        imap.ok('LOGIN ann %s' % PASSWORD)
        self.assertIn('UNAUTHENTICATE', caps(imap))
        status, line, _ = imap.cmd('UNAUTHENTICATE now')  # no arguments (RFC 8437 §4)
        self.assertEqual(status, 'BAD', line)
        imap.ok('UNAUTHENTICATE')
        self.assertNotIn('UNAUTHENTICATE', caps(imap))
        self.assertIn('AUTH=PLAIN', caps(imap))
        imap.c.sock.close()

    def test_back_to_not_authenticated(self):
        imap = loftlib.RawImap(self.server, 'ann', PASSWORD)
        imap.ok('ENABLE CONDSTORE')
        imap.ok('SELECT INBOX')
        imap.ok('STORE 1 +FLAGS (\\Deleted)')
        imap.ok('UNAUTHENTICATE')
        # Every command of the authenticated and selected states is refused.
        for cmd in ('SELECT INBOX', 'FETCH 1 FLAGS', 'LIST "" *', 'STATUS INBOX (MESSAGES)', 'NOOP'):
            status, line, _ = imap.cmd(cmd)
            self.assertEqual(status, 'OK' if cmd == 'NOOP' else 'BAD', (cmd, line))
        # A new login, as another account: nothing of ann's session is left.
        imap.ok('LOGIN ben %s' % PASSWORD)
        lines = imap.ok('SELECT INBOX')
        self.assertIn(b'* 0 EXISTS', lines)
        # ENABLE was reset: a FETCH without MODSEQ answers without it (RFC 7162 §3.1).
        imap.ok('UNAUTHENTICATE')
        imap.ok('LOGIN ann %s' % PASSWORD)
        lines = imap.ok('SELECT INBOX')
        # The mailbox was closed without expunging (as UNSELECT): 2 messages.
        self.assertIn(b'* 2 EXISTS', lines)
        fetched = b' '.join(imap.ok('FETCH 1 (FLAGS)'))
        self.assertIn(b'\\Deleted', fetched)
        self.assertNotIn(b'MODSEQ', fetched)
        imap.c.sock.close()

    def test_enable_state_is_reset(self):
        imap = loftlib.RawImap(self.server, 'ann', PASSWORD)
        lines = imap.ok('ENABLE QRESYNC')
        self.assertTrue(any(b'QRESYNC' in l for l in lines), lines)
        imap.ok('UNAUTHENTICATE')
        imap.ok('LOGIN ann %s' % PASSWORD)
        # QRESYNC is off again: SELECT (QRESYNC ...) needs a new ENABLE (RFC 7162 §3.2.5)...
        status, line, _ = imap.cmd('SELECT INBOX (QRESYNC (1 1))')
        self.assertEqual(status, 'BAD', line)
        # ...and ENABLE reports it as newly enabled (RFC 5161 §3.1).
        lines = imap.ok('ENABLE QRESYNC')
        self.assertTrue(any(l.startswith(b'* ENABLED') and b'QRESYNC' in l for l in lines), lines)
        imap.c.sock.close()

    def test_pre_login_limits_apply_again(self):
        imap = loftlib.RawImap(self.server, 'ann', PASSWORD)
        imap.ok('UNAUTHENTICATE')
        # A literal too large before login is refused (server/imap/session.cc limits_from).
        imap.c.send(b'x1 LOGIN {1000000}\r\n')
        line = imap.c.readline()
        self.assertTrue(line.startswith(b'x1 NO') or line.startswith(b'x1 BAD') or line.startswith(b'* BYE'),
                        line)
        imap.c.sock.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""loftctl deliver as an MDA: through the running server's admin socket
(streamed) and, with loftd stopped, straight into the store; folders, flags,
byte-exact bodies (binary, several MiB), and sysexits.h exit codes."""

import imaplib
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

EX_OK, EX_USAGE, EX_NOUSER, EX_CANTCREAT = 0, 64, 67, 73
USERS = {'alice': 'a-secret', 'bob': 'b-secret'}


class MdaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(extra_listeners=[('imap', '127.0.0.1:0', 'none', True)])
        cls.addClassCleanup(cls.server.cleanup)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()
        for u, p in USERS.items():
            cls.server.add_user(u, p)

    def deliver(self, data, *args):
        cmd = [self.server.loftctl, '--config', self.server.config, 'deliver'] + list(args)
        return subprocess.run(cmd, input=data, capture_output=True, timeout=120, cwd=self.server.dir)

    def fetch(self, user, box='INBOX'):
        host, port = loftlib.split_hostport(self.server.listener('imap', 'none'))
        m = imaplib.IMAP4(host, port, timeout=30)
        try:
            m.login(user, USERS[user])
            typ, data = m.select('"%s"' % box, readonly=True)
            self.assertEqual(typ, 'OK', data)
            if int(data[0]) == 0:
                return []
            return loftlib.fetch_all(m, '(UID FLAGS BODY.PEEK[])')
        finally:
            m.logout()

    def test_1_online_streamed_byte_exact(self):
        big = b'Subject: big\r\n\r\n' + bytes(range(256)) * (3 * 4096 + 7) + b'\nbare lf\rbare cr\x00'
        r = self.deliver(big, '--user', 'Alice')
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        self.assertEqual(self.fetch('alice')[-1]['BODY[]'], loftlib.LoftServer.imap_form(big))

    def test_2_mailbox_and_flags(self):
        msg = b'Subject: filed\r\n\r\nx\r\n'
        r = self.deliver(msg, '--user', 'bob', '--mailbox', 'Archive', '--flags', '\\Seen', '$Work')
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        last = self.fetch('bob', 'Archive')[-1]
        self.assertEqual(last['BODY[]'], msg)
        self.assertIn('\\Seen', last['FLAGS'])
        self.assertIn('$Work', last['FLAGS'])
        r = self.deliver(msg + b'2', '--user', 'bob', '--mailbox', 'No/Such')  # INBOX then
        self.assertEqual(r.returncode, EX_OK, r.stderr)
        self.assertEqual(self.fetch('bob')[-1]['BODY[]'], msg + b'2')

    def test_3_exit_codes(self):
        self.assertEqual(self.deliver(b'x', '--user', 'nobody').returncode, EX_NOUSER)
        self.assertEqual(self.deliver(b'x', '--user', 'bob', '--flags', '\\Bogus').returncode, EX_USAGE)
        self.assertEqual(self.deliver(b'x').returncode, EX_USAGE)  # --user is required
        r = self.server.ctl('quota', 'set', 'bob', '--bytes', '100')
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            before = len(self.fetch('bob'))
            r = self.deliver(b'Subject: q\r\n\r\n' + b'y' * 500, '--user', 'bob')
            self.assertEqual(r.returncode, EX_CANTCREAT, r.stderr)
            self.assertEqual(len(self.fetch('bob')), before)
        finally:
            self.server.ctl('quota', 'set', 'bob', '--bytes', '0')

    def test_4_offline_when_loftd_is_stopped(self):
        msg = b'Subject: offline\r\n\r\nwhile stopped\r\n'
        self.assertEqual(self.server.stop(), 0)
        try:
            r = self.deliver(msg, '--user', 'alice', '--flags', '\\Flagged')
            self.assertEqual(r.returncode, EX_OK, r.stderr)
            self.assertEqual(self.deliver(b'x', '--user', 'nobody').returncode, EX_NOUSER)
        finally:
            self.server.start()
        last = self.fetch('alice')[-1]
        self.assertEqual(last['BODY[]'], msg)
        self.assertIn('\\Flagged', last['FLAGS'])
        r = self.server.ctl('check')
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == '__main__':
    loftlib.run_unittest(__name__)

#!/usr/bin/env python3
"""loftctl user add/list/passwd/delete against a running loftd (admin socket) and
offline (server stopped, store opened directly), and its exit codes for errors."""

import imaplib
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402


def can_login(server, user, password):
    m = loftlib.imap_connect(server.imap_implicit, 'implicit')
    try:
        m.login(user, password)
        return True
    except imaplib.IMAP4.error:
        return False
    finally:
        try:
            m.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def listed(result):
    """User names from `loftctl user list` output (first word of each line)."""
    return {line.split()[0] for line in result.stdout.splitlines() if line.strip()}


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if os.environ.get('E2E_SERVER', 'loftd') != 'loftd':
            raise unittest.SkipTest('loftctl is loftd-only')
        cls.server = loftlib.LoftServer()
        cls.addClassCleanup(cls.stop_server)

    @classmethod
    def stop_server(cls):
        cls.server.stop()
        cls.server.cleanup()


    def ok(self, *args, stdin=None):
        r = self.server.ctl(*args, stdin=stdin)
        self.assertEqual(r.returncode, 0, 'loftctl %s: %s%s' % (' '.join(args), r.stdout, r.stderr))
        return r

    def fails(self, *args, stdin=None, config=True):
        r = self.server.ctl(*args, stdin=stdin, config=config)
        self.assertNotEqual(r.returncode, 0, 'loftctl %s should fail: %s' % (' '.join(args), r.stdout))
        self.assertTrue(r.stderr.strip(), 'loftctl %s failed without saying why' % ' '.join(args))
        return r

    def test_1_online(self):
        s = self.server
        s.start()
        self.ok('user', 'add', 'dave', stdin='dave-pw-1\n')
        self.ok('user', 'add', 'erin', stdin='erin-pw\n')
        self.assertTrue({'dave', 'erin'} <= listed(self.ok('user', 'list')))
        self.assertTrue(can_login(s, 'dave', 'dave-pw-1'))
        self.assertFalse(can_login(s, 'dave', 'wrong'))

        self.fails('user', 'add', 'dave', stdin='other\n')           # duplicate
        self.assertTrue(can_login(s, 'dave', 'dave-pw-1'))             # ... changed nothing
        self.fails('user', 'passwd', 'nosuchuser', stdin='x\n')        # unknown user
        self.fails('user', 'delete', 'nosuchuser')

        # dave-pw-1 is in loftd's auth cache ([auth] cache_seconds) by now:
        # the change must still refuse it at once.
        self.ok('user', 'passwd', 'dave', stdin='dave-pw-2\n')
        self.assertFalse(can_login(s, 'dave', 'dave-pw-1'))
        self.assertTrue(can_login(s, 'dave', 'dave-pw-2'))
        self.assertTrue(can_login(s, 'dave', 'dave-pw-2'))            # cached now

        self.assertTrue(can_login(s, 'erin', 'erin-pw'))
        self.ok('user', 'delete', 'erin')
        self.assertNotIn('erin', listed(self.ok('user', 'list')))
        self.assertFalse(can_login(s, 'erin', 'erin-pw'))
        # a deleted user no longer receives mail
        c = loftlib.LMTPClient(s.lmtp)
        try:
            self.assertEqual(c.cmd('MAIL FROM:<x@example.com>')[0], 250)
            code, text = c.cmd('RCPT TO:<erin@example.org>')
            self.assertEqual(code, 550, text)
            self.assertEqual(c.cmd('RCPT TO:<dave@example.org>')[0], 250)
        finally:
            c.quit()
        self.assertEqual(s.stop(), 0, 'loftd exit code after SIGTERM')

    def test_2_offline(self):
        s = self.server
        self.assertFalse(s.alive())
        self.assertEqual(listed(self.ok('user', 'list')) & {'dave', 'erin'}, {'dave'})
        self.ok('user', 'add', 'frank', stdin='frank-pw\n')
        self.fails('user', 'add', 'frank', stdin='frank-pw\n')
        self.ok('user', 'passwd', 'dave', stdin='dave-pw-3\n')
        self.fails('user', 'delete', 'nosuchuser')
        self.assertTrue({'dave', 'frank'} <= listed(self.ok('user', 'list')))
        s.start()
        try:
            self.assertTrue(can_login(s, 'frank', 'frank-pw'))
            self.assertTrue(can_login(s, 'dave', 'dave-pw-3'))
        finally:
            s.stop()

    def test_3_errors(self):
        self.fails('--config', '/nonexistent/loft.toml', 'user', 'list', config=False)
        self.fails('user', 'frobnicate')
        self.fails('user', 'add', stdin='pw\n')   # no name
        bad = os.path.join(self.server.dir, 'bad.toml')
        with open(bad, 'w') as f:
            f.write('data_dir = 42\nno_such_key = 1\n')
        self.fails('--config', bad, 'user', 'list', config=False)
        r = subprocess.run([self.server.loftd, '--config', bad], capture_output=True,
                                   text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0, 'loftd accepted a bad config')
        r = subprocess.run([self.server.loftd, '--version'], capture_output=True,
                                   text=True, timeout=30)
        self.assertEqual(r.returncode, 0)
        self.assertIn('0.', r.stdout + r.stderr)


if __name__ == '__main__':
    loftlib.run_unittest('e2e-cli')

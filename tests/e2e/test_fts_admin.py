#!/usr/bin/env python3
"""`loftctl index status|rebuild|optimize` against a running loftd (over its
admin socket, the work on loftd's indexer thread), and index clean-up: a
deleted mailbox's documents leave the index (status shows the count drop,
its words no longer match), a deleted account's index directory goes.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_fts_admin.py
"""

import os
import re
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'fts-admin-secret'
STATUS = re.compile(r'^(\S+) documents (\d+) bytes (\d+) mail_bytes (\d+) ratio ([\d.]+) pending (\d+) '
                    r'indexed (\d+)/(\d+) expunged (\d+)( rebuilding)?$', re.M)


def message(n, word):
    return ('From: a@example.org\r\nTo: alice@example.org\r\nSubject: note %d\r\n'
            'Message-ID: <m%d@example.org>\r\n\r\nbody %d with %s inside\r\n' % (n, n, n, word)).encode()


class FtsAdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        cls.server.add_user('bob', PASSWORD)
        cls.corpus = [raw for _, raw in loftlib.load_corpus()]
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for raw in cls.corpus:
                _, _, data = lmtp.transaction('a@example.org', ['alice@example.org', 'bob@example.org'],
                                              loftlib.wire_data(raw)[0])
                assert [r[0] for r in data.values()] == [250, 250], data
        finally:
            lmtp.close()
        imap = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            assert imap.create('Old')[0] == 'OK'
            for n in range(20):
                assert imap.append('Old', None, None, message(n, 'zebraquark'))[0] == 'OK'
        finally:
            imap.logout()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def status(self, *args):
        r = self.server.ctl('index', 'status', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return {m.group(1): m for m in STATUS.finditer(r.stdout)}

    def wait_indexed(self, user, documents=None):
        def done():
            m = self.status('--user', user).get(user)
            return m and int(m.group(6)) == 0 and m.group(7) == m.group(8) and (
                documents is None or int(m.group(2)) == documents)
        loftlib.wait_until(done, 120, '%s indexed' % user, interval=0.2)
        return self.status('--user', user)[user]

    def search(self, mailbox, *criteria):
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            self.assertEqual(imap.select(mailbox)[0], 'OK')
            typ, data = imap.uid('SEARCH', *criteria)
            self.assertEqual(typ, 'OK', data)
            return sorted(int(x) for x in data[0].split())
        finally:
            imap.logout()

    def test_1_status_rebuild_optimize_while_running(self):
        alice = self.wait_indexed('alice')
        total = len(self.corpus) + 20
        self.assertEqual(int(alice.group(8)), total)
        self.assertEqual(int(alice.group(2)), total)
        both = self.status()
        self.assertEqual(sorted(both), ['alice', 'bob'])
        queries = [('BODY', 'the'), ('SUBJECT', 'note'), ('TEXT', 'zebraquark'), ('FROM', 'example')]
        before = [self.search('INBOX', k, v) for k, v in queries]
        r = self.server.ctl('index', 'rebuild', '--user', 'alice', timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('alice indexed %d' % total, r.stdout)
        self.assertIn('alice: %d/%d messages' % (total, total), r.stderr)  # progress, last line
        self.assertTrue(self.server.alive())  # it was loftd that did it: the store stays locked
        self.assertEqual([self.search('INBOX', k, v) for k, v in queries], before)
        r = self.server.ctl('index', 'optimize', timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('alice optimized', r.stdout)
        self.assertIn('bob optimized', r.stdout)
        self.assertEqual([self.search('INBOX', k, v) for k, v in queries], before)
        self.assertEqual(self.search('Old', 'BODY', 'zebraquark'), list(range(1, 21)))
        r = self.server.ctl('index', 'status', '--user', 'nobody')
        self.assertNotEqual(r.returncode, 0)
        self.assertIn('no such account', r.stderr)

    def test_2_deleted_mailbox_and_account_leave_the_index(self):
        self.status_before_delete = self.wait_indexed('alice')
        before = int(self.status_before_delete.group(2))
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            self.assertEqual(imap.delete('Old')[0], 'OK')
            self.assertEqual(imap.create('Old')[0], 'OK')
            self.assertEqual(imap.append('Old', None, None, message(99, 'plainword'))[0], 'OK')
        finally:
            imap.logout()
        after = self.wait_indexed('alice', before - 20 + 1)
        self.assertEqual(int(after.group(2)), before - 19)
        # The 20 documents stay stored, counted (no termlist to delete them by).
        self.assertEqual(int(after.group(9)), int(self.status_before_delete.group(9)) + 20)
        self.assertEqual(self.search('Old', 'BODY', 'zebraquark'), [])
        self.assertEqual(self.search('Old', 'BODY', 'plainword'), [1])
        search_dir = os.path.join(self.server.data_dir, 'search')
        self.assertEqual(len(os.listdir(search_dir)), 2)
        r = self.server.ctl('user', 'delete', 'bob')
        self.assertEqual(r.returncode, 0, r.stderr)
        loftlib.wait_until(lambda: len(os.listdir(search_dir)) == 1, 120, "bob's index directory removed")
        self.assertEqual(sorted(self.status()), ['alice'])

    def test_3_sigterm_interrupts_a_rebuild(self):
        # More mail, so the rebuild lasts (hundreds of messages at ~100/s here).
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            for raw in self.corpus:
                lmtp.transaction('a@example.org', ['alice@example.org'], loftlib.wire_data(raw)[0])
        finally:
            lmtp.close()
        expected = self.search('INBOX', 'BODY', 'the')
        total = int(self.wait_indexed('alice').group(8))
        ctl = subprocess.Popen([self.server.loftctl, '--config', self.server.config, 'index', 'rebuild',
                                '--user', 'alice'], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               cwd=self.server.dir)
        loftlib.wait_until(lambda: self.status('--user', 'alice')['alice'].group(10), 30, 'the rebuild to start',
                           interval=0.02)
        started = time.monotonic()
        self.server.proc.send_signal(signal.SIGTERM)
        self.server.proc.wait(30)
        stopped_in = time.monotonic() - started
        out, err = ctl.communicate(timeout=30)
        self.assertNotEqual(ctl.returncode, 0, out)
        # The loop says goodbye to the admin connection, or the answer gets out first.
        self.assertTrue('rebuild interrupted' in err or 'closed the admin socket' in err, err)
        self.assertLess(stopped_in, 5.0)  # not the whole rebuild of `total` messages
        self.server.reset_addresses()
        self.server.start()
        m = self.status('--user', 'alice')['alice']
        self.assertEqual(m.group(10), ' rebuilding')  # partial: the account is scanned
        self.assertEqual(self.search('INBOX', 'BODY', 'the'), expected)
        r = self.server.ctl('index', 'rebuild', '--user', 'alice', timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('alice indexed %d' % total, r.stdout)
        self.assertIsNone(self.status('--user', 'alice')['alice'].group(10))
        self.assertEqual(self.search('INBOX', 'BODY', 'the'), expected)


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""loftctl check [--repair], online (loftd does it: the store is locked, so a
fallback to offline would exit 3) and offline, on a store damaged on purpose
by loft_corrupt_store: output lines, exit codes, and that the repair holds."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

CORRUPT = os.environ.get('LOFT_CORRUPT_STORE') or os.path.join(loftlib.REPO, 'build', 'tests', 'storage',
                                                                'loft_corrupt_store')


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.server = loftlib.LoftServer()
        self.server.add_user('alice', 'alice-pw')

    def tearDown(self):
        self.server.stop()
        self.server.cleanup()

    def corrupt(self, action):
        subprocess.run([CORRUPT, os.path.join(self.server.data_dir, 'store'), action, 'alice'], check=True,
                       timeout=60)

    def check(self, *args, offline=False):
        r = self.server.ctl(*(['--offline'] if offline else []), 'check', *args)
        rows = [line.split('\t') for line in r.stdout.splitlines()]
        return r.returncode, rows, r.stderr

    def inbox_exists(self):
        m = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            m.login('alice', 'alice-pw')
            return loftlib.select(m)
        finally:
            m.logout()

    def test_online_check_and_repair(self):
        self.server.start()
        c = loftlib.LMTPClient(self.server.lmtp)
        for i in range(3):
            _, _, dr = c.transaction('c@example.com', ['alice'], loftlib.dot_stuff(b'Subject: %d\r\n\r\nbody\r\n' % i))
            self.assertEqual(dr['alice'][0], 250)
        c.quit()
        rc, rows, err = self.check()
        self.assertEqual((rc, rows), (0, []), err)
        self.assertIn('consistent', err)

        self.server.stop()
        self.corrupt('bad-counts')
        self.corrupt('orphan-chunk')
        self.server.start()
        rc, rows, err = self.check()
        self.assertEqual(rc, 1, err)
        self.assertEqual(sorted((r[0], r[1]) for r in rows),
                         [('found', 'counters'), ('found', 'mailbox-counts'), ('found', 'orphan-chunks')], rows)
        self.assertIn('3 problem(s) found, 0 repaired, 3 left', err)

        rc, rows, err = self.check('--repair')
        self.assertEqual(rc, 0, err)
        self.assertEqual(sorted((r[0], r[1]) for r in rows),
                         [('repaired', 'counters'), ('repaired', 'mailbox-counts'), ('repaired', 'orphan-chunks')],
                         rows)
        self.assertEqual(self.check(), (0, [], 'check: the store is consistent\n'))
        self.assertEqual(self.inbox_exists(), 3)

    def test_offline_check_leaves_what_it_cannot_repair(self):
        self.server.start()
        c = loftlib.LMTPClient(self.server.lmtp)
        _, _, dr = c.transaction('c@example.com', ['alice'], loftlib.dot_stuff(b'Subject: x\r\n\r\nbody\r\n'))
        c.quit()
        self.assertEqual(dr['alice'][0], 250)
        self.server.stop()
        self.corrupt('lose-body')
        rc, rows, err = self.check(offline=True)
        self.assertEqual(rc, 1, err)
        self.assertEqual(sorted(r[1] for r in rows), ['message-blob', 'orphan-chunks'], rows)
        rc, rows, err = self.check('--repair', offline=True)
        self.assertEqual(rc, 1, err)  # the lost body cannot be repaired
        got = {r[1]: r[0] for r in rows}
        self.assertEqual(got, {'message-blob': 'found', 'orphan-chunks': 'repaired'}, rows)
        self.assertIn('not repairable', [r for r in rows if r[1] == 'message-blob'][0][3])
        rc, rows, err = self.check(offline=True)
        self.assertEqual((rc, [r[1] for r in rows]), (1, ['message-blob']), err)


if __name__ == '__main__':
    loftlib.run_unittest('e2e-check')

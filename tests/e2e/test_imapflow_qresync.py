#!/usr/bin/env python3
"""imapflow (npm; Node.js) with qresync: true and CONDSTORE on, against the server
under test (E2E_SERVER, see loftlib.make_server): seeds INBOX with five messages,
runs test_imapflow_qresync.mjs (a cached first sync, changes by another client, a
QRESYNC reopen, FETCH CHANGEDSINCE, FETCH MODSEQ and VANISHED pushed in IDLE) and
checks the client's resynchronised cache against a full re-fetch with imaplib.

Node modules as for test_imapflow.py (IMAPFLOW_NODE_MODULES overrides).

    E2E_SERVER=dovecot python3 tests/e2e/test_imapflow_qresync.py
"""

import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loftlib  # noqa: E402
import mailstate  # noqa: E402
from imapflow_case import NODE_MODULES, ImapflowCase  # noqa: E402

USER, PASSWORD = ImapflowCase.USER, ImapflowCase.PASSWORD


class ImapflowQresyncTest(ImapflowCase):

    def test_imapflow_qresync(self):
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        for i in range(5):
            raw = b'From: a@example.com\r\nSubject: m%d\r\nMessage-ID: <m%d@example.com>\r\n\r\nbody\r\n' % (i, i)
            self.assertEqual(m.append('INBOX', '(\\Flagged)' if i == 4 else '()', None, raw)[0], 'OK')
        m.logout()
        host, port = loftlib.split_hostport(self.server.imap_implicit)
        env = dict(os.environ, IMAP_HOST=host, IMAP_PORT=str(port), IMAP_USER=USER,
                   IMAP_PASS=PASSWORD, NODE_PATH=NODE_MODULES)
        r = subprocess.run(['node', os.path.join(HERE, 'test_imapflow_qresync.mjs')], env=env,
                           capture_output=True, text=True, timeout=240)
        loftlib.log(r.stderr[-3000:])
        self.assertEqual(r.returncode, 0, 'node exited %d: %s\n%s' % (r.returncode, r.stderr, r.stdout))
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        self.assertIn('QRESYNC', seen['enabled'])
        self.assertIn('CONDSTORE', seen['enabled'])
        hms = int(seen['highest_modseq'])
        self.assertEqual(seen['resync_vanished'], [3])
        self.assertEqual(sorted(seen['resync_changed']), ['2'])
        self.assertIn('\\Seen', seen['resync_changed']['2']['flags'])
        self.assertGreater(int(seen['resync_changed']['2']['modseq']), hms)
        self.assertGreater(int(seen['resync_modseq']), hms)
        self.assertEqual([x['uid'] for x in seen['changed_since']], [2])
        self.assertEqual(seen['idle_flags']['uid'], 1)
        self.assertIn('\\Answered', seen['idle_flags']['flags'])
        self.assertGreater(int(seen['idle_flags']['modseq']), int(seen['resync_modseq']))
        self.assertEqual(seen['idle_vanished'], 4)
        # The client's cache after the QRESYNC reopen equals a full re-fetch
        # taken before the IDLE changes (UIDs 1 and 4 were changed after it).
        cache = {int(k): v for k, v in seen['cache'].items()}
        for uid in seen['resync_vanished']:
            cache.pop(uid)
        for uid, v in seen['resync_changed'].items():
            cache[int(uid)] = v['flags']
        cache[1] = sorted(set(cache[1]) | {'\\Answered'})
        cache.pop(4)
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        m.select('INBOX', readonly=True)
        typ, data = m.uid('FETCH', '1:*', '(FLAGS)')
        m.logout()
        full = {}
        for line in data:
            g = re.search(rb'UID (\d+) FLAGS \(([^)]*)\)', line) or re.search(rb'FLAGS \(([^)]*)\) UID (\d+)', line)
            uid, flags = (g.group(1), g.group(2)) if g.re.pattern.startswith(rb'UID') else (g.group(2), g.group(1))
            full[int(uid)] = sorted(set(flags.decode().split()) - {'\\Recent'})
        self.assertEqual(cache, full)


if __name__ == '__main__':
    loftlib.run_unittest('e2e-imapflow-qresync')

#!/usr/bin/env python3
"""imapflow with non-ASCII mailbox names: it enables UTF8=ACCEPT (RFC 6855)
when the server offers it, then runs test_imapflow_utf8.mjs (create, append,
open, rename, list, status with UTF-8 names); an imaplib session that did not
enable UTF8=ACCEPT then sees the same mailboxes in modified UTF-7. Under
E2E_SERVER=dovecot (2.3: no UTF8=ACCEPT) imapflow falls back to modified
UTF-7 and the outcome must be the same.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_imapflow_utf8.py
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loftlib  # noqa: E402
import mailstate  # noqa: E402
from imapflow_case import NODE_MODULES, ImapflowCase  # noqa: E402

USER, PASSWORD = ImapflowCase.USER, ImapflowCase.PASSWORD


class ImapflowUtf8Test(ImapflowCase):

    def test_imapflow_utf8_names(self):
        host, port = loftlib.split_hostport(self.server.imap_implicit)
        env = dict(os.environ, IMAP_HOST=host, IMAP_PORT=str(port), IMAP_USER=USER,
                   IMAP_PASS=PASSWORD, NODE_PATH=NODE_MODULES)
        r = subprocess.run(['node', os.path.join(HERE, 'test_imapflow_utf8.mjs')], env=env,
                           capture_output=True, text=True, timeout=240)
        loftlib.log(r.stderr[-3000:])
        self.assertEqual(r.returncode, 0, 'node exited %d: %s\n%s' % (r.returncode, r.stderr, r.stdout))
        seen = json.loads(r.stdout.strip().splitlines()[-1])
        # Dovecot 2.3 does not offer UTF8=ACCEPT: imapflow then sends modified
        # UTF-7 itself, and the rest must come out the same.
        if isinstance(self.server, loftlib.LoftServer):
            self.assertIn('UTF8=ACCEPT', seen['enabled'])
        self.assertEqual(seen['opened'], 'Entwürfe/Grüße')
        self.assertEqual(seen['exists'], 1)
        for name in ('Entwürfe', 'Entwürfe/Grüße', 'INBOX', 'hiver ❄'):
            self.assertIn(name, seen['listed'])
        self.assertNotIn('été ☀', seen['listed'])
        self.assertEqual(seen['status'], 0)
        # A legacy session sees modified UTF-7 names for the same mailboxes.
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        typ, data = m.list('""', '*')
        m.logout()
        self.assertEqual(typ, 'OK')
        listed = b'\n'.join(data)
        self.assertIn(b'Entw&APw-rfe/Gr&APwA3w-e', listed)
        self.assertIn(b'hiver &J0Q-', listed)
        self.assertNotIn('ü'.encode(), listed)


if __name__ == '__main__':
    loftlib.run_unittest('e2e-imapflow-utf8')

#!/usr/bin/env python3
"""imapflow (npm; Node.js) against the server under test (E2E_SERVER, see
loftlib.make_server): seeds an account with imaplib (INBOX: a text/plain, a
multipart/mixed with an attachment and a multipart/alternative message; Archive;
Work/Projects), runs test_imapflow.mjs (connect, LIST, mailboxOpen, FETCH envelope +
BODYSTRUCTURE, APPEND, MOVE, IDLE seeing an EXISTS and an EXPUNGE), checks what it
printed against the seeded messages, and checks the server afterwards with imaplib.

imapflow lives in tests/e2e/node/node_modules (tools/dev.sh runs `npm ci` there);
IMAPFLOW_NODE_MODULES overrides the directory. Missing node or imapflow skips the
test, or fails it when CI is set.

    E2E_SERVER=dovecot python3 tests/e2e/test_imapflow.py
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import loftlib  # noqa: E402
import mailstate  # noqa: E402
from imapflow_case import NODE_MODULES, ImapflowCase  # noqa: E402

USER, PASSWORD = ImapflowCase.USER, ImapflowCase.PASSWORD

PLAIN = (b'From: Ann <ann@example.com>\r\nTo: flo@example.org\r\nSubject: Alpha\r\n'
         b'Date: Wed, 4 Nov 2026 08:00:00 +0000\r\nMessage-ID: <alpha@example.com>\r\n'
         b'Content-Type: text/plain; charset=us-ascii\r\n\r\nplain body\r\n')
MIXED = (b'From: Bob <bob@example.com>\r\nTo: flo@example.org\r\nSubject: Beta\r\n'
         b'Date: Wed, 4 Nov 2026 09:00:00 +0000\r\nMessage-ID: <beta@example.com>\r\n'
         b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n\r\n'
         b'--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nsee attachment\r\n'
         b'--b1\r\nContent-Type: application/octet-stream; name="a.bin"\r\n'
         b'Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n--b1--\r\n')
ALTERNATIVE = (b'From: Cy <cy@example.com>\r\nTo: flo@example.org\r\nSubject: Gamma\r\n'
               b'Date: Wed, 4 Nov 2026 10:00:00 +0000\r\nMessage-ID: <gamma@example.com>\r\n'
               b'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b2"\r\n'
               b'\r\n--b2\r\nContent-Type: text/plain\r\n\r\nhi\r\n'
               b'--b2\r\nContent-Type: text/html\r\n\r\n<p>hi</p>\r\n--b2--\r\n')


class ImapflowTest(ImapflowCase):

    def test_imapflow(self):
        t0 = time.monotonic()
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        for folder in ('Archive', 'Work', 'Work/Projects'):
            typ, data = m.create(mailstate.quote(folder))
            # A new Loft account already has Archive (RFC 6154 special use).
            self.assertTrue(typ == 'OK' or b'ALREADYEXISTS' in data[0], (folder, data))
        for raw, flags in ((PLAIN, '(\\Seen)'), (MIXED, '()'), (ALTERNATIVE, '(\\Flagged)')):
            self.assertEqual(m.append('INBOX', flags, None, raw)[0], 'OK')
        m.logout()
        before = mailstate.imap_tree(self.server.imap_implicit, USER, PASSWORD)

        host, port = loftlib.split_hostport(self.server.imap_implicit)
        env = dict(os.environ, IMAP_HOST=host, IMAP_PORT=str(port), IMAP_USER=USER,
                   IMAP_PASS=PASSWORD, NODE_PATH=NODE_MODULES)
        r = subprocess.run(['node', os.path.join(HERE, 'test_imapflow.mjs')], env=env,
                           capture_output=True, text=True, timeout=240)
        loftlib.log(r.stderr[-3000:])
        self.assertEqual(r.returncode, 0, 'node exited %d: %s\n%s' % (r.returncode, r.stderr,
                                                                     r.stdout))
        seen = json.loads(r.stdout.strip().splitlines()[-1])

        mine = {'Archive', 'INBOX', 'Work', 'Work/Projects'}
        self.assertLessEqual(mine, set(seen['folders']), seen['folders'])
        # Any other folder is one the server made itself (special use), empty.
        for extra in set(seen['folders']) - mine:
            self.assertEqual(before.get(extra, {}), {}, extra)
        self.assertEqual(seen['inbox_exists'], 3)
        got = [(x['subject'], x['message_id'], x['from'], x['flags'], x['structure'])
               for x in seen['messages']]
        self.assertEqual(got, [
            ('Alpha', '<alpha@example.com>', ['ann@example.com'], ['\\Seen'], 'text/plain'),
            ('Beta', '<beta@example.com>', ['bob@example.com'], [],
             'multipart/mixed(text/plain,application/octet-stream)'),
            ('Gamma', '<gamma@example.com>', ['cy@example.com'], ['\\Flagged'],
             'multipart/alternative(text/plain,text/html)')])
        self.assertEqual(seen['idle_exists'], 4)
        self.assertTrue(seen['idle_expunge'])
        self.assertEqual(seen['archive_messages'], 2)

        after = mailstate.imap_tree(self.server.imap_implicit, USER, PASSWORD)
        self.assertEqual(sorted(after['INBOX']), ['<alpha@example.com>', '<gamma@example.com>',
                                                  '<idle-push@example.com>'])
        self.assertEqual(after['INBOX']['<idle-push@example.com>'][0], {'\\Flagged'})
        self.assertEqual(sorted(after['Archive']), ['<beta@example.com>',
                                                    '<imapflow-append@example.com>'])
        self.assertEqual(after['Archive']['<beta@example.com>'],
                         before['INBOX']['<beta@example.com>'], 'moved message changed')
        self.assertEqual(after['Archive']['<imapflow-append@example.com>'][0], {'\\Seen'})
        loftlib.log('test_imapflow %s' % mailstate.elapsed(t0))


if __name__ == '__main__':
    loftlib.run_unittest('e2e-imapflow')

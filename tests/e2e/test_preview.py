#!/usr/bin/env python3
"""PREVIEW (RFC 8970): FETCH PREVIEW and PREVIEW (LAZY) give up to 200
characters of the first text/plain part (or of text/html reduced to text),
decoded from quoted-printable or base64 and from the part's charset to
UTF-8, white space collapsed; "" for a message without text; bad modifiers
are refused. PreviewDovecotDiffTest compares with Dovecot 2.3.19.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_preview.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_dovecot_diff import SENDER, parse_fetch, start_pair  # noqa: E402

PASSWORD = 'preview-pw'
MESSAGES = [
    # (message, expected preview or None for NIL)
    (b'Subject: plain\r\n\r\nHello   there,\r\n\r\n  how are you?\r\n', 'Hello there, how are you?'),
    (b'Subject: qp\r\nContent-Type: text/plain; charset=iso-8859-1\r\n'
     b'Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 cr=E8me=\r\n br=FBl=E9e\r\n',
     'Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e'),
    (b'Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n'
     b'R3LDvMOfZSBhdXMgQmVybGlu\r\n', 'Gr\u00fc\u00dfe aus Berlin'),
    (b'Subject: html\r\nContent-Type: text/html; charset=utf-8\r\n\r\n'
     b'<html><head><style>p {color: red}</style></head><body><p>Fish&nbsp;&amp; chips</p>'
     b'<br>tonight</body></html>\r\n', 'Fish\u00a0& chips tonight'),
    (b'Subject: alt\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n'
     b'Content-Type: text/html\r\n\r\n<b>rich</b>\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain one\r\n--b--\r\n',
     'plain one'),
    (b'Subject: empty\r\n\r\n\r\n', ''),  # no text: "" (as Dovecot), not NIL
    (b'Subject: long\r\n\r\n' + b'word ' * 200 + b'\r\n', ('word ' * 40).strip()),
]


class PreviewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.make_server()
        cls.server.start()
        cls.server.add_user('pia', PASSWORD)
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for msg, _ in MESSAGES:
                _, _, data = lmtp.transaction('a@example.org', ['pia@example.org'], loftlib.wire_data(msg)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def previews(self, imap, item):
        """{uid: preview} from a raw FETCH answer, literals read whole."""
        imap.n += 1
        tag = 'p%d' % imap.n
        imap.c.send(('%s UID FETCH 1:* (UID %s)\r\n' % (tag, item)).encode())
        out = {}
        for _ in range(1000):
            line = imap.c.readline()
            if line.startswith(tag.encode()):
                self.assertTrue(line.startswith(tag.encode() + b' OK'), line)
                return out
            uid = int(re.search(rb'UID (\d+)', line).group(1))
            m = re.search(rb'PREVIEW (NIL|"((?:[^"\\]|\\.)*)"|\{(\d+)\})', line)
            self.assertIsNotNone(m, line)
            if m.group(1) == b'NIL':
                out[uid] = None
            elif m.group(3):
                n = int(m.group(3))
                while len(imap.c.buf) < n:
                    imap.c.buf += imap.c.sock.recv(65536)
                out[uid] = imap.c.buf[:n].decode()
                imap.c.buf = imap.c.buf[n:]
                imap.c.readline()  # the ")" closing the response
            else:
                out[uid] = re.sub(rb'\\(.)', rb'\1', m.group(2)).decode()
        raise AssertionError('no tagged answer')

    def test_preview_forms(self):
        imap = loftlib.RawImap(self.server, 'pia', PASSWORD)
        self.assertIn(b' PREVIEW', b' '.join(imap.ok('CAPABILITY')))
        imap.ok('EXAMINE INBOX')
        expected = {i + 1: p for i, (_, p) in enumerate(MESSAGES)}
        self.assertEqual(self.previews(imap, 'PREVIEW'), expected)
        self.assertEqual(self.previews(imap, 'PREVIEW (LAZY)'), expected)
        status, line, _ = imap.cmd('FETCH 1 (PREVIEW (FAST))')
        self.assertEqual(status, 'BAD', line)
        # PREVIEW never sets \\Seen (RFC 8970 §3).
        imap.ok('SELECT INBOX')
        self.previews(imap, 'PREVIEW')
        self.assertNotIn(b'\\Seen', b' '.join(imap.ok('FETCH 1:* (FLAGS)')))


class PreviewDovecotDiffTest(unittest.TestCase):
    """The same messages through Dovecot 2.3.19 (which has PREVIEW and
    SAVEDATE): the previews must be equal. SAVEDATE is compared in form only
    (the two servers saved at different moments)."""

    @classmethod
    def setUpClass(cls):
        msgs = [('preview-%d' % i, m) for i, (m, _) in enumerate(MESSAGES)]
        start_pair(cls, 'pdiff', 'pdiff-pw', msgs, SENDER)

    def fetch(self, conn, items):
        st, untagged = conn.cmd('FETCH 1:* (%s)' % items)
        self.assertEqual(st, 'OK')
        return dict(parse_fetch(r) for r in untagged if parse_fetch(r))

    def test_same_previews(self):
        for c in (self.lc, self.dc):
            self.assertEqual(c.cmd('EXAMINE INBOX')[0], 'OK')
        loft, dove = self.fetch(self.lc, 'PREVIEW'), self.fetch(self.dc, 'PREVIEW')
        self.assertEqual(sorted(loft), sorted(dove))
        for n in loft:
            self.assertEqual(loft[n].get('PREVIEW'), dove[n].get('PREVIEW'), 'message %d' % n)

    def test_savedate_form(self):
        for c in (self.lc, self.dc):
            self.assertEqual(c.cmd('EXAMINE INBOX')[0], 'OK')
        loft, dove = self.fetch(self.lc, 'SAVEDATE'), self.fetch(self.dc, 'SAVEDATE')
        for n in loft:
            for got in (loft[n]['SAVEDATE'], dove[n]['SAVEDATE']):
                self.assertRegex(got.decode(), r'^\d{1,2}-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}$')


if __name__ == '__main__':
    unittest.main(verbosity=2)

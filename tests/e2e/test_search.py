#!/usr/bin/env python3
"""SEARCH and UID SEARCH end to end with Python's imaplib (RFC 3501 §6.4.4):
every key family against a handful of delivered messages (RFC 2047 headers,
quoted-printable and base64 bodies in several charsets, multipart with an
attachment), NOT/OR/lists, sequence and UID sets, CHARSET, BADCHARSET, the
BAD answers for syntax errors and the limits, and \\Seen set by a FETCH.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_search.py
"""

import datetime
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'search-secret'

MESSAGES = [
    # 1: plain ASCII
    b'From: Alice Example <alice@example.org>\r\nTo: bob@example.org\r\nCc: carol@example.org\r\n'
    b'Subject: Quarterly report\r\nDate: Tue, 1 Jul 2003 10:52:37 +0200\r\nX-Priority: 1\r\n\r\n'
    b'The numbers are in. Revenue grew.\r\n',
    # 2: RFC 2047 subject (ISO-8859-1 Q), QP body in UTF-8
    b'From: =?ISO-8859-1?Q?Andr=E9?= Pirard <pirard@example.be>\r\nTo: alice@example.org\r\n'
    b'Subject: =?ISO-8859-1?Q?Caf=E9?= =?ISO-8859-1?Q?_cr=E8me?=\r\nDate: 2 Jul 2003 00:10:00 -0800\r\n'
    b'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n'
    b'Content-Transfer-Encoding: quoted-printable\r\n\r\n'
    b'Une cr=C3=A8me br=C3=BBl=C3=A9e, s=\r\nvp.\r\n',
    # 3: KOI8-R base64 body, multipart with a base64 attachment that must not match
    b'From: ivan@example.ru\r\nTo: alice@example.org\r\nBcc: secret@example.org\r\n'
    b'Subject: =?koi8-r?B?8NLJ18XU?=\r\nDate: Sun, 31 Dec 2006 23:59:59 +0000\r\n'
    b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="XX"\r\n\r\n'
    b'preamble needle-in-preamble\r\n--XX\r\nContent-Type: text/plain; charset=koi8-r\r\n'
    b'Content-Transfer-Encoding: base64\r\n\r\n8NLJ18XUINPP18XULg==\r\n'
    b'--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    b'YmluYXJ5LXNlY3JldA==\r\n--XX--\r\nepilogue\r\n',
    # 4: Shift_JIS body, no Date header
    b'From: taro@example.jp\r\nSubject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\n'
    b'Content-Type: text/plain; charset=Shift_JIS\r\n\r\n\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x65\x83\x4c\x83\x58\x83\x67\r\n',
]


class SearchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for raw in MESSAGES:
                _, _, data = lmtp.transaction('a@example.org', ['alice@example.org'],
                                              loftlib.wire_data(raw)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()
        cls.imap = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        cls.imap.login('alice', PASSWORD)
        cls.imap.select('INBOX')

    @classmethod
    def tearDownClass(cls):
        cls.imap.logout()
        cls.server.stop()
        cls.server.cleanup()

    def search(self, *criteria, uid=False, charset=None):
        # non-ASCII strings go as UTF-8 quoted strings (8-bit, RFC 6855 style)
        criteria = [c.encode() if isinstance(c, str) and not c.isascii() else c for c in criteria]
        criteria = [b'"' + c + b'"' if isinstance(c, bytes) and not c.startswith(b'"') else c for c in criteria]
        if uid:
            typ, data = self.imap.uid('SEARCH', *(['CHARSET', charset] if charset else []), *criteria)
        else:
            typ, data = self.imap.search(charset, *criteria)
        self.assertEqual(typ, 'OK', (criteria, data))
        return [int(n) for n in data[0].split()]

    def status(self, line):
        tag = self.imap._new_tag()
        self.imap.send(tag + b' ' + line + b'\r\n')
        while True:
            resp = self.imap._get_line()
            if resp.startswith(tag + b' '):
                return resp[len(tag) + 1:]

    def test_flags_and_all(self):
        self.assertEqual(self.search('ALL'), [1, 2, 3, 4])
        self.assertEqual(self.search('UNSEEN'), [1, 2, 3, 4])
        self.assertEqual(self.search('SEEN'), [])
        self.assertEqual(self.search('UNDELETED UNFLAGGED UNANSWERED UNDRAFT'), [1, 2, 3, 4])
        self.assertEqual(self.search('OR DELETED FLAGGED'), [])
        self.assertEqual(self.search('KEYWORD $Junk'), [])
        self.assertEqual(self.search('UNKEYWORD $Junk'), [1, 2, 3, 4])
        self.assertEqual(self.search('OLD'), [1, 2, 3, 4])  # no \Recent kept
        self.assertEqual(self.search('NEW'), [])

    def test_seen_after_fetch(self):
        typ, _ = self.imap.fetch('4', '(BODY[TEXT])')
        self.assertEqual(typ, 'OK')
        self.assertEqual(self.search('SEEN'), [4])
        self.assertEqual(self.search('NOT SEEN'), [1, 2, 3])
        self.assertEqual(self.search('UID 4 SEEN', uid=True), [4])

    def test_headers(self):
        self.assertEqual(self.search('FROM', 'alice'), [1])
        self.assertEqual(self.search('FROM', 'ANDRÉ', charset='UTF-8'), [2])
        self.assertEqual(self.search('TO', 'ALICE@'), [2, 3])
        self.assertEqual(self.search('CC', 'carol'), [1])
        self.assertEqual(self.search('BCC', 'secret'), [3])
        self.assertEqual(self.search('SUBJECT', 'café crème', charset='UTF-8'), [2])
        self.assertEqual(self.search('SUBJECT', 'привет', charset='UTF-8'), [3])
        self.assertEqual(self.search('SUBJECT', 'ПРИВЕТ', charset='UTF-8'), [3])
        self.assertEqual(self.search('SUBJECT', '日本語', charset='UTF-8'), [4])
        self.assertEqual(self.search('HEADER', 'X-Priority', '""'), [1])
        self.assertEqual(self.search('HEADER', 'x-priority', '1'), [1])
        self.assertEqual(self.search('HEADER', 'X-Missing', '""'), [])
        self.assertEqual(self.search('SUBJECT', 'report'), [1])

    def test_bodies(self):
        self.assertEqual(self.search('BODY', 'revenue'), [1])
        self.assertEqual(self.search('BODY', 'brûlée, svp', charset='UTF-8'), [2])
        self.assertEqual(self.search('BODY', 'привет совет', charset='UTF-8'), [3])
        self.assertEqual(self.search('BODY', 'テキスト', charset='UTF-8'), [4])
        self.assertEqual(self.search('BODY', 'binary-secret'), [])       # not a text part
        self.assertEqual(self.search('BODY', 'needle-in-preamble'), [])  # the preamble is no text
        self.assertEqual(self.search('BODY', 'quarterly'), [])           # BODY skips the header
        self.assertEqual(self.search('TEXT', 'quarterly'), [1])          # TEXT does not
        self.assertEqual(self.search('TEXT', 'crème', charset='UTF-8'), [2])

    def test_dates_and_sizes(self):
        today = datetime.datetime.now(datetime.timezone.utc).date()
        d = today.strftime('%d-%b-%Y')
        tomorrow = (today + datetime.timedelta(days=1)).strftime('%d-%b-%Y')
        self.assertEqual(self.search('ON', d), [1, 2, 3, 4])
        self.assertEqual(self.search('SINCE', d), [1, 2, 3, 4])
        self.assertEqual(self.search('BEFORE', d), [])
        self.assertEqual(self.search('BEFORE', tomorrow), [1, 2, 3, 4])
        self.assertEqual(self.search('SENTON', '1-Jul-2003'), [1])
        self.assertEqual(self.search('SENTON', '2-Jul-2003'), [2])  # the zone is ignored
        self.assertEqual(self.search('SENTBEFORE', '1-Jan-2007'), [1, 2, 3, 4])
        self.assertEqual(self.search('SENTSINCE', '31-Dec-2006'), [3])  # 4 has no Date: 1-Jan-1970
        sizes = {m['seq']: m['RFC822.SIZE'] for m in loftlib.parse_fetch(self.imap.fetch('1:*', '(RFC822.SIZE)')[1])}
        self.assertEqual(self.search('LARGER', str(sizes[1] - 1)),
                         sorted(n for n, s in sizes.items() if s > sizes[1] - 1))
        self.assertEqual(self.search('SMALLER', str(sizes[1])), sorted(n for n, s in sizes.items() if s < sizes[1]))

    def test_sets_and_logic(self):
        self.assertEqual(self.search('2:3'), [2, 3])
        self.assertEqual(self.search('*'), [4])
        self.assertEqual(self.search('UID', '3:*'), [3, 4])
        self.assertEqual(self.search('UID', '2:*', uid=True), [2, 3, 4])
        self.assertEqual(self.search('UID', '100:*', uid=True), [4])  # "*" is the last UID
        self.assertEqual(self.search('NOT', '1'), [2, 3, 4])
        self.assertEqual(self.search('OR', 'FROM', 'ivan', 'SUBJECT', 'report'), [1, 3])
        self.assertEqual(self.search('(OR 1 2) (OR 2 3)'), [2])
        self.assertEqual(self.search('NOT', '(OR FROM alice 2)'), [3, 4])
        self.assertEqual(self.search('NOT', '(FROM alice OR 2 3)'), [1, 2, 3, 4])

    def test_charset_and_errors(self):
        self.assertEqual(self.search('ALL', charset='US-ASCII'), [1, 2, 3, 4])
        st = self.status(b'SEARCH CHARSET ISO-8859-1 TEXT x')
        self.assertTrue(st.startswith(b'NO [BADCHARSET (UTF-8 US-ASCII)]'), st)
        for bad in [b'SEARCH', b'SEARCH FOO', b'SEARCH (SEEN', b'SEARCH SINCE 30-Feb-2020',
                    b'SEARCH ' + b'NOT ' * 40 + b'ALL', b'SEARCH' + b' SEEN' * 2001, b'UID SEARCH 0']:
            st = self.status(bad)
            self.assertTrue(st.startswith(b'BAD'), (bad[:40], st))
        self.assertEqual(self.search('ALL'), [1, 2, 3, 4])  # the session goes on


LARGE = 48 << 20  # a 48 MiB message: its body search must stream
MAX_RSS_GROWTH_KIB = 16 << 10


class LargeMessageSearchTest(unittest.TestCase):
    """BODY and TEXT over a 48 MiB quoted-printable message: the answer is right
    and loftd's resident size grows by less than 16 MiB while it searches."""

    def test_large_body_search_streams(self):
        server = loftlib.LoftServer(max_message_size=LARGE + (1 << 20))
        self.addCleanup(server.cleanup)
        self.addCleanup(server.stop)
        server.start()
        server.add_user('big', PASSWORD)
        line = b'some quoted=3Dprintable text of a large message, line after line =\r\nsoft break\r\n'
        body = line * (LARGE // len(line)) + b'the needle at the very end\r\n'
        raw = (b'Subject: large\r\nContent-Type: text/plain; charset=utf-8\r\n'
               b'Content-Transfer-Encoding: quoted-printable\r\n\r\n' + body)
        lmtp = loftlib.LMTPClient(server.lmtp)
        try:
            _, _, data = lmtp.transaction('a@example.org', ['big@example.org'], loftlib.wire_data(raw)[0])
            self.assertEqual([r[0] for r in data.values()], [250], data)
        finally:
            lmtp.close()
        imap = loftlib.imap_connect(server.imap_implicit, 'implicit')
        self.addCleanup(imap.logout)
        imap.login('big', PASSWORD)
        imap.select('INBOX')
        before = loftlib.vm_rss_kib(server.proc.pid)
        peak = [before]
        stop = threading.Event()

        def sample():
            deadline = time.monotonic() + 300
            while not stop.is_set() and time.monotonic() < deadline:
                peak[0] = max(peak[0], loftlib.vm_rss_kib(server.proc.pid))
                time.sleep(0.005)
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.monotonic()
        self.assertEqual(imap.search(None, 'BODY', '"needle at the very end"'), ('OK', [b'1']))
        self.assertEqual(imap.search(None, 'BODY', '"printable text of a large message, line after line soft"'),
                         ('OK', [b'1']))  # across the soft line break
        self.assertEqual(imap.search(None, 'TEXT', 'nowhere-to-be-found'), ('OK', [b'']))
        elapsed = time.monotonic() - t0
        stop.set()
        sampler.join()
        loftlib.log('48 MiB body searches (3): %.2f s, RSS %d KiB before, peak %d KiB' % (elapsed, before, peak[0]))
        if 'ASAN_OPTIONS' not in os.environ:  # ASan's quarantine keeps freed blocks
            self.assertLess(peak[0] - before, MAX_RSS_GROWTH_KIB)


if __name__ == '__main__':
    loftlib.run_unittest('test_search')

#!/usr/bin/env python3
"""FETCH BINARY, BINARY.PEEK and BINARY.SIZE (RFC 3516 §4.2, §4.3) end to end
with imaplib: base64, quoted-printable, 8bit and 7bit parts decoded; a literal8
(~{n}) exactly when the bytes sent hold a NUL; partials of the decoded data
(also beyond its end); the whole message and a message/rfc822 part as stored;
a missing part empty; bad section syntax answered BAD; an unknown encoding
NO [UNKNOWN-CTE]; \\Seen set by BINARY and not by BINARY.PEEK or BINARY.SIZE;
UID FETCH; a 20 MiB base64 attachment decoded with bounded server memory.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_binary_fetch.py
"""

import base64
import hashlib
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

USER, PASSWORD = 'bin', 'bin-secret'
ALL_BYTES = bytes(range(256))
BIG = 20 << 20
# Holding the decoded attachment would take 20 MiB more; see test_append_memory.py
# for what does grow (the store's caches).
MAX_PEAK_GROWTH_KIB = 16 << 10
CHECK_MEMORY = 'ASAN_OPTIONS' not in os.environ

M1 = (b'From: a@example.org\r\nSubject: b64\r\nContent-Type: text/plain\r\n'
      b'Content-Transfer-Encoding: base64\r\n\r\naGVsbG8Ad29ybGQ=\r\n')
M2 = (b'From: a@example.org\r\nSubject: multi\r\nMIME-Version: 1.0\r\n'
      b'Content-Type: multipart/mixed; boundary=XX\r\n\r\npre\r\n'
      b'--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
      b'caf=C3=A9 soft=\r\nbreak\r\n'
      b'--XX\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: BASE64\r\n\r\n'
      + base64.encodebytes(ALL_BYTES).replace(b'\n', b'\r\n') +
      b'--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n'
      b'--XX\r\nContent-Type: message/rfc822\r\n\r\n'
      b'Subject: inner\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\naW5uZXI=\r\n'
      b'--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'
      b'8bit \xc3\xa9 text\r\n--XX--\r\n')
M3 = b'From: a@example.org\r\nSubject: plain\r\n\r\nplain body\r\n'


def big_message():
    payload = bytes((i * 7 + (i >> 12)) & 0xff for i in range(1 << 16)) * (BIG >> 16)
    body = base64.encodebytes(payload).replace(b'\n', b'\r\n')
    return (b'From: a@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n'
            b'Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee\r\n'
            b'--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            + body + b'--B--\r\n'), payload


def items(data):
    """imaplib FETCH data -> [{item name: value}] with, for each BINARY literal,
    (bytes, literal8?) as value; BINARY.SIZE as int; FLAGS as str."""
    out, cur, text = [], None, b''

    def flush():
        if cur is not None:
            for m in re.finditer(rb'(BINARY\.SIZE\[[\d.]*\]) (\d+)', text):
                cur[m.group(1).decode()] = int(m.group(2))
            for k, rx in (('FLAGS', rb'FLAGS \(([^)]*)\)'), ('UID', rb'UID (\d+)')):
                m = re.search(rx, text)
                if m:
                    cur[k] = m.group(1).decode()
            out.append(cur)

    for d in data:
        head = d[0] if isinstance(d, tuple) else d
        if re.match(rb'^\d+ \(', head):
            flush()
            cur, text = {}, b''
        if isinstance(d, tuple):
            m = re.search(rb'(BINARY\[[\d.]*\](?:<\d+>)?) (~?)\{(\d+)\}$', d[0])
            assert m, d[0]
            assert int(m.group(3)) == len(d[1])
            cur[m.group(1).decode()] = (d[1], m.group(2) == b'~')
            text += d[0][:m.start()]
        else:
            text += d
    flush()
    return out


class BinaryFetchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = loftlib.LoftServer(max_message_size=32 << 20)
        cls.srv.start()
        cls.srv.add_user(USER, PASSWORD)
        cls.m = loftlib.imap_connect(cls.srv.imap_implicit, 'implicit', timeout=120)
        assert cls.m.login(USER, PASSWORD)[0] == 'OK'
        for msg in (M1, M2, M3):
            assert cls.m.append('INBOX', None, None, msg)[0] == 'OK'
        assert cls.m.select('INBOX')[0] == 'OK'

    @classmethod
    def tearDownClass(cls):
        cls.m.logout()
        assert cls.srv.stop() == 0
        cls.srv.cleanup()

    def fetch(self, seqs, what, uid=False):
        if uid:
            typ, data = self.m.uid('FETCH', seqs, what)
        else:
            typ, data = self.m.fetch(seqs, what)
        self.assertEqual(typ, 'OK', data)
        return items(data)

    def error(self, what):
        """The tagged answer to FETCH what: ('NO'|'BAD', text)."""
        try:
            typ, data = self.m.fetch('1:3', what)
        except self.m.error as e:
            return 'BAD', str(e)
        return typ, self.m.response('UNKNOWN-CTE')

    def test_01_decoded_leaf_parts(self):
        r = self.fetch('1', '(BINARY.PEEK[1] BINARY.SIZE[1])')[0]
        self.assertEqual(r['BINARY[1]'], (b'hello\0world', True))  # a NUL: literal8
        self.assertEqual(r['BINARY.SIZE[1]'], 11)
        r = self.fetch('2', '(BINARY.PEEK[1] BINARY.PEEK[2] BINARY.PEEK[5] BINARY.SIZE[1] BINARY.SIZE[2] '
                            'BINARY.SIZE[5])')[0]
        self.assertEqual(r['BINARY[1]'], ('caf\u00e9 softbreak'.encode(), False))
        self.assertEqual(r['BINARY[2]'], (ALL_BYTES, True))
        self.assertEqual(r['BINARY[5]'], (b'8bit \xc3\xa9 text', False))
        self.assertEqual((r['BINARY.SIZE[1]'], r['BINARY.SIZE[2]'], r['BINARY.SIZE[5]']), (15, 256, 12))
        r = self.fetch('3', '(BINARY.PEEK[1] BINARY.SIZE[1])')[0]
        self.assertEqual(r['BINARY[1]'], (b'plain body\r\n', False))
        self.assertEqual(r['BINARY.SIZE[1]'], 12)

    def test_02_whole_message_composite_and_missing_parts(self):
        r = self.fetch('1', '(BINARY.PEEK[] BINARY.SIZE[])')[0]
        self.assertEqual(r['BINARY[]'], (M1, False))  # as stored (RFC 2045 §6.4)
        self.assertEqual(r['BINARY.SIZE[]'], len(M1))
        r = self.fetch('2', '(BINARY.PEEK[4] BINARY.PEEK[4.1] BINARY.SIZE[4.1] BINARY.PEEK[9] BINARY.SIZE[9] '
                            'BINARY.PEEK[2.1.1])')[0]
        # The CRLF before the boundary belongs to the boundary (RFC 2046 §5.1.1).
        self.assertEqual(r['BINARY[4]'][0], b'Subject: inner\r\nMIME-Version: 1.0\r\n'
                         b'Content-Transfer-Encoding: base64\r\n\r\naW5uZXI=')
        self.assertEqual(r['BINARY[4.1]'], (b'inner', False))
        self.assertEqual(r['BINARY.SIZE[4.1]'], 5)
        self.assertEqual(r['BINARY[9]'], (b'', False))
        self.assertEqual(r['BINARY.SIZE[9]'], 0)
        self.assertEqual(r['BINARY[2.1.1]'], (b'', False))

    def test_03_partials_apply_to_decoded_data(self):
        r = self.fetch('2', '(BINARY.PEEK[2]<250.100> BINARY.PEEK[1]<3.2>)')[0]
        self.assertEqual(r['BINARY[2]<250>'], (ALL_BYTES[250:], False))
        self.assertEqual(r['BINARY[1]<3>'], ('\u00e9'.encode(), False))
        r = self.fetch('2', '(BINARY.PEEK[2]<0.1>)')[0]
        self.assertEqual(r['BINARY[2]<0>'], (b'\0', True))
        r = self.fetch('1', '(BINARY.PEEK[1]<0.5> BINARY.PEEK[1]<5.1>)')[0]
        self.assertEqual(r['BINARY[1]<0>'], (b'hello', False))  # no NUL in what is sent
        self.assertEqual(r['BINARY[1]<5>'], (b'\0', True))
        r = self.fetch('1', '(BINARY.PEEK[1]<11.5> BINARY.PEEK[1]<4294967295.1>)')[0]
        self.assertEqual(r['BINARY[1]<11>'], (b'', False))
        self.assertEqual(r['BINARY[1]<4294967295>'], (b'', False))

    def test_04_bad_section_syntax_is_bad(self):
        for what in ('BINARY[1.MIME]', 'BINARY[HEADER]', 'BINARY.PEEK[TEXT]', 'BINARY[0]', 'BINARY[1.]',
                     'BINARY', 'BINARY.SIZE', 'BINARY.SIZE[1]<0.1>', 'BINARY[1]<0.0>', 'BINARY[1'):
            st, text = self.error(what)
            self.assertEqual(st, 'BAD', '%s -> %s' % (what, text))

    def test_05_unknown_encoding_is_no_unknown_cte(self):
        for what in ('BINARY.PEEK[3]', 'BINARY.SIZE[3]', '(BINARY.PEEK[1] BINARY[3])'):
            typ, data = self.m.fetch('2', what)
            self.assertEqual(typ, 'NO', what)
            self.assertEqual(self.m.response('UNKNOWN-CTE')[0], 'UNKNOWN-CTE', what)
        # The responses before the failing message stand.
        typ, _ = self.m.fetch('1:3', 'BINARY.PEEK[3]')
        self.assertEqual(typ, 'NO')
        # imaplib keeps the untagged FETCH data of a failed command.
        got = items([d for d in self.m.response('FETCH')[1] if d is not None])
        self.assertEqual(got[0]['BINARY[3]'], (b'', False))
        # The failing message keeps its flags; the one before it got \Seen.
        typ, _ = self.m.fetch('1:3', 'BINARY[3]')
        self.assertEqual(typ, 'NO')
        self.m.response('FETCH')  # drops the failed command's untagged data
        flags = self.fetch('1:2', 'FLAGS')
        self.assertIn('\\Seen', flags[0]['FLAGS'])
        self.assertNotIn('\\Seen', flags[1]['FLAGS'])

    def test_06_seen_by_binary_not_by_peek_or_size(self):
        self.fetch('3', '(BINARY.PEEK[1] BINARY.SIZE[1])')
        self.assertNotIn('\\Seen', self.fetch('3', 'FLAGS')[0]['FLAGS'])
        r = self.fetch('3', 'BINARY[1]')[0]
        self.assertIn('\\Seen', r.get('FLAGS', ''))  # reported with the item
        self.assertEqual(r['BINARY[1]'], (b'plain body\r\n', False))
        self.assertIn('\\Seen', self.fetch('3', 'FLAGS')[0]['FLAGS'])

    def test_07_uid_fetch(self):
        r = self.fetch('2', '(BINARY.PEEK[4.1] BINARY.SIZE[2])', uid=True)[0]
        self.assertEqual(r['UID'], '2')
        self.assertEqual(r['BINARY[4.1]'], (b'inner', False))
        self.assertEqual(r['BINARY.SIZE[2]'], 256)

    def test_08_a_20_mib_attachment_streams_with_bounded_memory(self):
        msg, payload = big_message()
        self.assertEqual(self.m.append('INBOX', None, None, msg)[0], 'OK')
        self.assertEqual(self.m.select('INBOX')[0], 'OK')
        c = loftlib.RawImap(self.srv, USER, PASSWORD, tag_prefix='b')
        c.ok('SELECT INBOX')
        time.sleep(0.3)
        before = loftlib.vm_rss_kib(self.srv.proc.pid)
        sampler = loftlib.RssSampler(self.srv.proc.pid)
        sampler.start()
        c.c.send(b'b9 FETCH 4 (BINARY.SIZE[2] BINARY.PEEK[2])\r\n')
        head = c.c.readline()
        m = re.match(rb'^\* 4 FETCH \(BINARY\.SIZE\[2\] (\d+) BINARY\[2\] (~?)\{(\d+)\}(?:\r\n)?$', head)
        self.assertIsNotNone(m, head[:200])
        n = int(m.group(3))
        h, got = hashlib.sha256(), 0
        conn = c.c
        for _ in range(1000000):  # read the literal in pieces, as a client would
            if got >= n:
                break
            if not conn.buf:
                conn.buf = conn.sock.recv(1 << 16)
                self.assertTrue(conn.buf, 'connection closed in the literal')
            piece, conn.buf = conn.buf[:n - got], conn.buf[n - got:]
            h.update(piece)
            got += len(piece)
        tagged, _ = c.c.read_until_tagged('b9')
        sampler.stopped.set()
        sampler.join()
        self.assertEqual(int(m.group(1)), len(payload))
        self.assertEqual(n, len(payload))
        self.assertEqual(m.group(2), b'~')
        self.assertEqual(h.hexdigest(), hashlib.sha256(payload).hexdigest())
        self.assertTrue(tagged.startswith(b'b9 OK'), tagged)
        growth = sampler.peak - before
        loftlib.log('20 MiB base64 BINARY: RSS %d KiB before, peak %d KiB, growth %d KiB'
                    % (before, sampler.peak, growth))
        if CHECK_MEMORY:
            self.assertLess(growth, MAX_PEAK_GROWTH_KIB)
        r = self.fetch('4', '(BINARY.PEEK[2]<10485760.100>)')[0]
        self.assertEqual(r['BINARY[2]<10485760>'][0], payload[10485760:10485860])

    def test_09_append_of_literal8_stores_binary_bytes(self):
        # RFC 3516 §4.4: APPEND takes a literal8; with MULTIAPPEND (RFC 3502)
        # each message may be one. BINARY is advertised with both sides.
        typ, caps = self.m.capability()
        self.assertIn(b'BINARY', caps[0].split())
        bodies = [ALL_BYTES, b'\0' + ALL_BYTES[::-1]]
        msgs = [b'From: a@example.org\r\nSubject: binappend %d\r\nMIME-Version: 1.0\r\n'
                b'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n'
                % i + body for i, body in enumerate(bodies)]
        c = loftlib.RawImap(self.srv, USER, PASSWORD, tag_prefix='l')
        c.c.send(b'l8 APPEND INBOX ~{%d+}\r\n%s (\\Flagged) ~{%d+}\r\n%s\r\n'
                 % (len(msgs[0]), msgs[0], len(msgs[1]), msgs[1]))
        tagged, _ = c.c.read_until_tagged('l8')
        self.assertTrue(tagged.startswith(b'l8 OK'), tagged)
        self.assertEqual(self.m.select('INBOX')[0], 'OK')
        for i, body in enumerate(bodies):
            typ, data = self.m.search(None, 'SUBJECT', '"binappend %d"' % i)
            self.assertEqual(typ, 'OK')
            seq = data[0].decode()
            self.assertTrue(seq.isdigit(), data)
            r = self.fetch(seq, '(BINARY.PEEK[1] BINARY.SIZE[1] FLAGS)')[0]
            self.assertEqual(r['BINARY[1]'], (body, True))
            self.assertEqual(r['BINARY.SIZE[1]'], len(body))
            self.assertEqual('\\Flagged' in r['FLAGS'], i == 1)
        # A synchronising literal8 gets its continuation like any literal.
        c.c.send(b'l9 APPEND INBOX ~{%d}\r\n' % len(msgs[0]))
        self.assertTrue(c.c.readline().startswith(b'+'))
        c.c.send(msgs[0] + b'\r\n')
        tagged, _ = c.c.read_until_tagged('l9')
        self.assertTrue(tagged.startswith(b'l9 OK'), tagged)
        c.c.close()


if __name__ == '__main__':
    loftlib.run_unittest('test_binary_fetch')

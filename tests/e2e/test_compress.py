#!/usr/bin/env python3
"""IMAP COMPRESS=DEFLATE (RFC 4978) against the real loftd.

imaplib has no COMPRESS, so a raw socket with Python's zlib (raw deflate,
wbits=-15 both ways, as clients use it) drives the session: LOGIN, COMPRESS
DEFLATE (its tagged OK is the last uncompressed byte), then SELECT and
UID FETCH of corpus messages read back byte-exact through the inflater, over
the plaintext-allowed listener, implicit TLS and STARTTLS. Also: COMPRESS=DEFLATE
is advertised after login only; COMPRESS before login and with another
mechanism is BAD; a second COMPRESS is NO [COMPRESSIONACTIVE]; a command
pipelined right after COMPRESS (already compressed) is answered; a
decompression bomb (64 MiB of one line in ~64 KiB) is refused without loftd's
peak memory growing by the bomb's size.
Then a real client: Net::IMAP::InterIMAP (Debian's libinterimap, the library of
interimap, with its own zlib binding) compresses after login, and fetches every
message byte-exact (SHA-256), while loftd logs that DEFLATE was negotiated on its
connection. (Debian 12's neomutt is built without zlib, so it has no imap_deflate,
and isync 1.4 predates COMPRESS.)

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl LOFT_CORPUS=../shared/corpus \\
        python3 tests/e2e/test_compress.py
"""

import os
import hashlib
import re
import shutil
import socket
import subprocess
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'alice-secret'
MESSAGES = 25
TIMEOUT = 30


class CompressedConn:
    """A raw IMAP connection whose both directions may be switched to raw DEFLATE."""

    def __init__(self, address, tls=False, timeout=TIMEOUT):
        host, port = loftlib.split_hostport(address)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if tls:
            self.sock = loftlib.client_tls_context().wrap_socket(self.sock)
        self.buf = b''
        self.inflater = self.deflater = None
        self.wire_in = 0  # bytes received after COMPRESS (compressed)
        self.plain_in = 0

    def starttls(self):
        assert not self.buf
        self.sock = loftlib.client_tls_context().wrap_socket(self.sock)

    def compress(self):
        """Both directions compressed from now on (after the tagged OK)."""
        self.inflater = zlib.decompressobj(wbits=-15)
        self.deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        # Anything received after the OK line is already compressed.
        pending, self.buf = self.buf, b''
        self._take(pending)

    def deflate(self, data):
        return self.deflater.compress(data) + self.deflater.flush(zlib.Z_SYNC_FLUSH)

    def send(self, data, raw=False):
        self.sock.sendall(data if raw or self.deflater is None else self.deflate(data))

    def _take(self, chunk):
        if self.inflater is None:
            self.buf += chunk
        else:
            self.wire_in += len(chunk)
            out = self.inflater.decompress(chunk)
            self.plain_in += len(out)
            self.buf += out

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError('closed by server; have %r' % self.buf[-200:])
        self._take(chunk)

    def readline(self):
        while b'\r\n' not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, tag):
        """(tagged line, [untagged lines with literals as (line, bytes) pairs])."""
        items = []
        for _ in range(100000):
            line = self.readline()
            if line.startswith(tag.encode() + b' '):
                return line, items
            m = re.search(rb'\{(\d+)\}$', line)
            if m:
                literal = self.read_exact(int(m.group(1)))
                rest = self.readline()
                items.append((line, literal, rest))
            else:
                items.append(line)
        raise AssertionError('no tagged reply')

    def cmd(self, tag, text):
        self.send(('%s %s\r\n' % (tag, text)).encode())
        return self.response(tag)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class CompressTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(extra_listeners=[('imap', '127.0.0.1:0', 'none', True)])
        cls.addClassCleanup(cls.stop_server)
        cls.server.start()
        cls.plain = cls.server.listener('imap', 'none')
        cls.server.add_user('alice', PASSWORD)
        cls.stored = []
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for _, raw in loftlib.load_corpus(MESSAGES):
                wire, stored = loftlib.wire_data(raw)
                _, _, data = lmtp.transaction('a@example.org', ['alice@example.org'], wire)
                assert [r[0] for r in data.values()] == [250], data
                cls.stored.append(stored)
        finally:
            lmtp.quit()

    @classmethod
    def stop_server(cls):
        cls.server.stop()
        cls.server.cleanup()

    def login(self, address, tls=False, starttls=False):
        c = CompressedConn(address, tls=tls)
        self.addCleanup(c.close)
        greeting = c.readline()
        self.assertTrue(greeting.startswith(b'* OK'), greeting)
        self.assertNotIn(b'COMPRESS', greeting)  # RFC 4978 §3: after login only
        if starttls:
            tagged, _ = c.cmd('T', 'STARTTLS')
            self.assertTrue(tagged.startswith(b'T OK'), tagged)
            c.starttls()
        tagged, _ = c.cmd('L', 'LOGIN alice "%s"' % PASSWORD)
        self.assertTrue(tagged.startswith(b'L OK'), tagged)
        return c

    def compressed_session(self, c):
        tagged, untagged = c.cmd('C', 'COMPRESS DEFLATE')
        self.assertTrue(tagged.startswith(b'C OK'), tagged)
        self.assertEqual(untagged, [])
        c.compress()
        tagged, untagged = c.cmd('S', 'SELECT INBOX')
        self.assertTrue(tagged.startswith(b'S OK'), tagged)
        self.assertIn(b'* %d EXISTS' % len(self.stored), untagged)
        tagged, untagged = c.cmd('F', 'UID FETCH 1:* (UID BODY.PEEK[])')
        self.assertTrue(tagged.startswith(b'F OK'), tagged)
        bodies = [item[1] for item in untagged if isinstance(item, tuple)]
        self.assertEqual(len(bodies), len(self.stored))
        for got, want in zip(bodies, self.stored):
            self.assertEqual(got, want)
        # RFC 4978 §3: once only.
        tagged, _ = c.cmd('D', 'COMPRESS DEFLATE')
        self.assertTrue(tagged.startswith(b'D NO [COMPRESSIONACTIVE]'), tagged)
        tagged, untagged = c.cmd('O', 'LOGOUT')
        self.assertTrue(tagged.startswith(b'O OK'), tagged)
        self.assertTrue(untagged[0].startswith(b'* BYE'), untagged)
        self.assertGreater(c.plain_in, c.wire_in, 'the server output was compressed')
        loftlib.log('compressed %d bytes of responses into %d' % (c.plain_in, c.wire_in))

    def test_1_capability_after_login_only(self):
        c = self.login(self.plain)
        tagged, untagged = c.cmd('A', 'CAPABILITY')
        self.assertTrue(tagged.startswith(b'A OK'), tagged)
        self.assertIn(b'COMPRESS=DEFLATE', untagged[0].split())
        c2 = CompressedConn(self.plain)
        self.addCleanup(c2.close)
        c2.readline()
        tagged, untagged = c2.cmd('B', 'CAPABILITY')
        self.assertNotIn(b'COMPRESS=DEFLATE', untagged[0].split())
        tagged, _ = c2.cmd('C', 'COMPRESS DEFLATE')
        self.assertTrue(tagged.startswith(b'C BAD'), tagged)  # not before login
        tagged, _ = c2.cmd('N', 'NOOP')  # and still uncompressed
        self.assertTrue(tagged.startswith(b'N OK'), tagged)

    def test_2_other_mechanism_is_bad(self):
        c = self.login(self.plain)
        tagged, _ = c.cmd('C', 'COMPRESS LZW')
        self.assertTrue(tagged.startswith(b'C BAD'), tagged)
        tagged, _ = c.cmd('N', 'NOOP')
        self.assertTrue(tagged.startswith(b'N OK'), tagged)

    def test_3_session_plaintext_listener(self):
        self.compressed_session(self.login(self.plain))

    def test_4_session_implicit_tls(self):
        self.compressed_session(self.login(self.server.imap_implicit, tls=True))

    def test_5_session_starttls(self):
        self.compressed_session(self.login(self.server.imap_starttls, starttls=True))

    def test_6_command_pipelined_after_compress(self):
        c = self.login(self.plain)
        deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
        c.send(b'C COMPRESS DEFLATE\r\n' + deflater.compress(b'N NOOP\r\n') +
               deflater.flush(zlib.Z_SYNC_FLUSH), raw=True)
        line = c.readline()
        self.assertTrue(line.startswith(b'C OK'), line)
        c.compress()
        c.deflater = deflater
        tagged, _ = c.response('N')
        self.assertTrue(tagged.startswith(b'N OK'), tagged)

    def test_7_decompression_bomb_is_bounded(self):
        pid = self.server.proc.pid

        def peak_kib():
            with open('/proc/%d/status' % pid) as f:
                for line in f:
                    if line.startswith('VmHWM:'):
                        return int(line.split()[1])
            return 0
        before = peak_kib()
        c = self.login(self.plain)
        tagged, _ = c.cmd('C', 'COMPRESS DEFLATE')
        self.assertTrue(tagged.startswith(b'C OK'), tagged)
        c.compress()
        bomb = c.deflate(b'x' * (64 << 20))
        self.assertLess(len(bomb), 256 << 10)
        try:
            c.send(bomb, raw=True)
            c.send(b'\r\n')
        except OSError:
            pass  # the server may close while we still write
        # The line is over max_line: BAD, and loftd closes the connection (the
        # BAD may be lost to a reset while this side still writes).
        lines, closed = [], False
        try:
            for _ in range(10):
                lines.append(c.readline())
        except (ConnectionError, OSError):
            closed = True
        self.assertTrue(closed or any(b'BAD' in l for l in lines), lines)
        self.assertTrue(self.server.alive())
        grown = peak_kib() - before
        loftlib.log('peak RSS grew by %d KiB for a 64 MiB bomb' % grown)
        # Under AddressSanitizer freed blocks wait in its quarantine (256 MiB by
        # default), so the peak says nothing there; the plain build checks it.
        if 'ASAN_OPTIONS' not in os.environ:
            self.assertLess(grown, 32 << 10, 'the inflated bomb was held in memory')
        c2 = self.login(self.plain)
        tagged, _ = c2.cmd('N', 'NOOP')
        self.assertTrue(tagged.startswith(b'N OK'), tagged)

    def test_8_interimap_library_compresses(self):
        if not shutil.which('perl') or subprocess.run(
                ['perl', '-MNet::IMAP::InterIMAP', '-e', '1'], capture_output=True).returncode != 0:
            if os.environ.get('CI'):
                self.fail('libinterimap is not installed')
            self.skipTest('libinterimap is not installed')
        with open(self.server.log_path, 'rb') as f:
            log_start = len(f.read())
        host, port = loftlib.split_hostport(self.plain)
        script = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'interimap_fetch.pl')
        r = subprocess.run(['perl', script, host, str(port), 'alice', PASSWORD],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        self.assertIn('C: 000001 COMPRESS DEFLATE', r.stderr)
        self.assertIn('(compr. ', r.stderr)  # its inflater ran (its traffic counts)
        got = [line.split() for line in r.stdout.splitlines()]
        self.assertEqual([int(uid) for uid, _ in got], list(range(1, len(self.stored) + 1)))
        for (_, digest), want in zip(got, self.stored):
            self.assertEqual(digest, hashlib.sha256(want).hexdigest())
        def new_log():
            with open(self.server.log_path, 'rb') as f:
                return f.read()[log_start:].decode('utf-8', 'replace')
        # The log may be written after the client has seen the answers.
        loftlib.wait_until(lambda: 'event=compress mechanism=DEFLATE' in new_log(), 10, 'the compress event')


if __name__ == '__main__':
    loftlib.run_unittest('test_compress')

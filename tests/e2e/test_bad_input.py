#!/usr/bin/env python3
"""Bad input: over-long lines, unterminated and oversized literals, random bytes,
an oversized LMTP message and an abandoned DATA. After each case a well-behaved
IMAP session (opened before the first case) and a fresh LMTP session must still
work; at the end the server process is alive and serves a normal login + fetch.

Against loftd the exact replies are checked (BAD for IMAP protocol errors and the
connection goes on; 5xx for LMTP; 552 for a message over max_message_size). With
E2E_SERVER=dovecot only survival is checked (Dovecot closes on some of these)."""

import os
import random
import socket
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

MAX_MESSAGE_SIZE = 1 << 20
LONG = 200 * 1024
USERS = {'alice': 'alice-pw', 'bob': 'bob-pw'}
FIRST = b'Subject: first\r\nFrom: a@example.com\r\n\r\nThe first message.\r\n'


class BadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.make_server(max_message_size=MAX_MESSAGE_SIZE)
        cls.good = None
        cls.addClassCleanup(cls.stop_server)
        cls.server.start()
        cls.strict = loftlib.is_loft(cls.server)
        for u, p in USERS.items():
            cls.server.add_user(u, p)
        c = loftlib.LMTPClient(cls.server.lmtp)
        _, _, dr = c.transaction('a@example.com', ['alice', 'bob'], loftlib.dot_stuff(FIRST))
        c.quit()
        assert all(code == 250 for code, _ in dr.values()), dr
        # The well-behaved client: logged in and selected for the whole run.
        cls.good = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        cls.good.login('alice', USERS['alice'])
        loftlib.select(cls.good)
        cls.lmtp_deliveries = 0


    @classmethod
    def stop_server(cls):
        if cls.good is not None:
            try:
                cls.good.logout()
            except Exception:  # noqa: BLE001 - best effort
                pass
        cls.server.stop()
        cls.server.cleanup()

    # -- helpers -----------------------------------------------------------

    def assert_server_fine(self):
        self.assertTrue(self.server.alive(), 'server died:\n' + self.server.log_tail())
        self.assertEqual(self.good.noop()[0], 'OK')
        msgs = loftlib.fetch_all(self.good, '(UID BODY.PEEK[])', '1')
        self.assertEqual(len(msgs), 1)
        self.assertEqual(self.server.strip_added(msgs[0]['BODY[]']), FIRST)
        c = loftlib.LMTPClient(self.server.lmtp, timeout=30)
        try:
            _, _, dr = c.transaction('a@example.com', ['bob'],
                                     loftlib.dot_stuff(b'Subject: probe\r\n\r\nprobe\r\n'))
            self.assertEqual(dr['bob'][0], 250, dr)
        finally:
            c.quit()

    def raw_imap(self, tls=False):
        addr = self.server.imap_implicit if tls else self.server.imap_starttls
        r = loftlib.RawConn(addr, tls=tls, timeout=20)
        greeting = r.readline()
        self.assertTrue(greeting.startswith(b'* OK'), greeting)
        return r

    def logged_in_imap(self):
        """A raw IMAP connection over implicit TLS, logged in as alice."""
        r = self.raw_imap(tls=True)
        r.send(b'l1 LOGIN alice alice-pw\r\n')
        line, _ = r.read_until_tagged('l1')
        self.assertTrue(line.startswith(b'l1 OK'), line)
        return r

    def send_quietly(self, r, data):
        """Sends; a server that closes mid-way (allowed in some cases) is not an error here."""
        try:
            r.send(data)
            return True
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            return False

    def expect_usable(self, r, tag='z9'):
        """The connection still answers NOOP."""
        r.send(tag.encode() + b' NOOP\r\n')
        line, lines = r.read_until_tagged(tag)
        self.assertIsNotNone(line, 'connection closed; got %r' % lines[-3:])
        self.assertTrue(line.startswith(tag.encode() + b' OK'), line)

    def read_error_reply(self, r, tag):
        """Reads until a BAD/NO reply (tagged with `tag` or untagged) or EOF. Returns the
        line, or None at EOF. No other reply is expected before it."""
        for _ in range(100):
            line = r.readline()
            if not line and r.at_eof(0.5):
                return None
            if line.startswith(b'* BAD') or line.startswith(tag.encode() + b' BAD'):
                return line
            if line.startswith(b'* BYE'):
                continue
            self.fail('unexpected reply before the error: %r' % line[:200])
        self.fail('no error reply')

    # -- IMAP --------------------------------------------------------------

    def test_01_imap_overlong_line(self):
        r = self.raw_imap()
        try:
            sent = self.send_quietly(r, b'a0 NOOP ' + b'A' * LONG + b'\r\n')
            line = self.read_error_reply(r, 'a0')
            if self.strict:
                self.assertTrue(sent)
                self.assertIsNotNone(line, 'closed instead of BAD')
                self.expect_usable(r)
        finally:
            r.close()
        self.assert_server_fine()

    def test_02_imap_overlong_line_after_login(self):
        r = self.logged_in_imap()
        try:
            sent = self.send_quietly(r, b'a0 SELECT ' + b'B' * LONG + b'\r\n')
            line = self.read_error_reply(r, 'a0')
            if self.strict:
                self.assertTrue(sent)
                self.assertIsNotNone(line, 'closed instead of BAD')
                self.expect_usable(r)
        finally:
            r.close()
        self.assert_server_fine()

    def test_03_imap_unterminated_literal(self):
        r = self.raw_imap()
        try:
            r.send(b'a1 LOGIN {20}\r\n')
            line = r.readline()
            if self.strict:
                self.assertTrue(line.startswith(b'+'), line)
            self.send_quietly(r, b'alice')
        finally:
            r.close()
        time.sleep(0.2)
        self.assert_server_fine()

    def test_04_imap_literal_over_limit(self):
        r = self.raw_imap()
        try:
            r.send(b'a2 LOGIN {99999999999}\r\n')
            line = r.readline()
            self.assertFalse(line.startswith(b'+'), 'server asked for a 100 GB literal')
            if self.strict:
                self.assertTrue(line.startswith(b'a2 BAD') or line.startswith(b'* BAD'), line)
                if line.startswith(b'* BAD'):
                    line, _ = r.read_until_tagged('a2')
                    self.assertTrue(line is None or line.startswith(b'a2 BAD'), line)
                self.expect_usable(r)
        finally:
            r.close()
        self.assert_server_fine()

    def test_05_imap_literal_over_limit_after_login(self):
        r = self.logged_in_imap()
        try:
            r.send(b'a2 SELECT {%d}\r\n' % (MAX_MESSAGE_SIZE * 4096))
            line = r.readline()
            self.assertFalse(line.startswith(b'+'), 'server asked for a 4 GB literal')
            if self.strict:
                self.assertTrue(b' BAD' in line[:8], line)
                self.expect_usable(r)
        finally:
            r.close()
        self.assert_server_fine()

    def random_garbage(self, seed, n):
        rnd = random.Random(seed)
        data = bytearray(rnd.getrandbits(8) for _ in range(n))
        for k in range(0, n, 97):   # plenty of NULs
            data[k] = 0
        return bytes(data)

    def drain(self, r, seconds):
        """Reads reply lines until EOF or `seconds` of quiet (bounded)."""
        lines = []
        deadline = time.monotonic() + 30
        r.sock.settimeout(seconds)
        try:
            while time.monotonic() < deadline and len(lines) < 20000:
                try:
                    line = r.readline()
                except (socket.timeout, TimeoutError):
                    break
                if not line and not r.buf:
                    if r.at_eof(0.2):
                        break
                lines.append(line)
        except (ConnectionResetError, ssl.SSLError):
            pass
        return lines

    def test_06_imap_random_bytes(self):
        for seed in range(4):
            with self.subTest(seed=seed):
                r = self.raw_imap()
                try:
                    self.send_quietly(r, self.random_garbage(seed, 8192) + b'\r\n')
                    lines = self.drain(r, 1.5)
                    for line in lines:
                        if not line:
                            continue
                        ok = (b' BAD' in line[:40] or line.startswith(b'* BYE')
                              or line.startswith(b'+') or b' NO' in line[:40])
                        self.assertTrue(ok, 'reply to garbage: %r' % line[:120])
                finally:
                    r.close()
                self.assert_server_fine()

    def test_07_tls_port_random_bytes(self):
        # Not a TLS handshake at all: the server must just drop the connection.
        for seed in range(2):
            s = socket.create_connection(loftlib.split_hostport(self.server.imap_implicit),
                                         timeout=10)
            try:
                try:
                    s.sendall(self.random_garbage(100 + seed, 4096))
                    deadline = time.monotonic() + 10
                    while time.monotonic() < deadline and s.recv(65536):
                        pass
                except (ConnectionResetError, BrokenPipeError, socket.timeout):
                    pass
            finally:
                s.close()
        self.assert_server_fine()

    def test_08_tls_handshake_abandoned(self):
        s = socket.create_connection(loftlib.split_hostport(self.server.imap_implicit), timeout=10)
        s.sendall(b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03')  # a truncated ClientHello
        s.close()
        self.assert_server_fine()

    # -- LMTP --------------------------------------------------------------

    def test_10_lmtp_overlong_line(self):
        c = loftlib.LMTPClient(self.server.lmtp, timeout=30)
        try:
            try:
                c.send(b'NOOP ' + b'x' * LONG + b'\r\n')
                code, text = c.reply()
            except (ConnectionError, OSError):
                if self.strict:
                    raise
                return
            self.assertTrue(500 <= code < 600, (code, text))
            self.assertEqual(c.noop()[0], 250)
            _, _, dr = c.transaction('a@example.com', ['alice@example.org', 'bob'],
                                     loftlib.dot_stuff(b'Subject: after long line\r\n\r\nok\r\n'))
            self.assertEqual([v[0] for v in dr.values()], [250, 250], dr)
            # an over-long RCPT inside a transaction does not break it either
            self.assertEqual(c.cmd('MAIL FROM:<a@example.com>')[0], 250)
            c.send(b'RCPT TO:<' + b'y' * LONG + b'@example.org>\r\n')
            code, text = c.reply()
            self.assertTrue(500 <= code < 600, (code, text))
            self.assertEqual(c.cmd('RCPT TO:<bob>')[0], 250)
            self.assertEqual(c.rset()[0], 250)
        finally:
            c.quit()
        self.assert_server_fine()

    def test_11_lmtp_message_over_size_limit(self):
        if not self.server.supports_size_limit:
            self.skipTest('no LMTP size limit configured for this server')
        c = loftlib.LMTPClient(self.server.lmtp, timeout=60)
        try:
            size_ext = [e for e in c.extensions if e.startswith('SIZE')]
            self.assertEqual(size_ext, ['SIZE %d' % MAX_MESSAGE_SIZE], c.extensions)
            # RFC 1870: a declared size over the limit is refused at MAIL
            code, text = c.cmd('MAIL FROM:<a@example.com> SIZE=%d' % (MAX_MESSAGE_SIZE + 1))
            self.assertEqual(code, 552, text)
            # an undeclared one after DATA, once per recipient
            line = b'0123456789' * 7 + b'\r\n'
            big = b'Subject: big\r\n\r\n' + line * ((MAX_MESSAGE_SIZE * 3 // 2) // len(line))
            mail, rr, dr = c.transaction('a@example.com', ['alice', 'bob', 'nobody'],
                                         loftlib.dot_stuff(big))
            self.assertEqual(mail[0], 250)
            self.assertEqual(rr['nobody'][0], 550)
            self.assertEqual(sorted(dr), ['alice', 'bob'])
            for r, (code, text) in dr.items():
                self.assertEqual(code, 552, '%s: %d %s' % (r, code, text))
            # the next transaction works; a message just under the limit is accepted
            ok = b'Subject: fits\r\n\r\n' + line * ((MAX_MESSAGE_SIZE - 1000) // len(line))
            _, _, dr = c.transaction('a@example.com', ['alice', 'bob'], loftlib.dot_stuff(ok))
            self.assertEqual([v[0] for v in dr.values()], [250, 250], dr)
        finally:
            c.quit()
        self.assert_server_fine()

    def test_12_lmtp_abandoned_data(self):
        c = loftlib.LMTPClient(self.server.lmtp, timeout=30)
        c.cmd('MAIL FROM:<a@example.com>')
        c.cmd('RCPT TO:<alice>')
        self.assertEqual(c.cmd('DATA')[0], 354)
        c.send(b'Subject: never finished\r\n\r\n' + b'partial line\r\n' * 1000 + b'no end')
        c.close()
        time.sleep(0.3)
        self.assert_server_fine()
        msgs = loftlib.fetch_all(self.good, '(UID BODY.PEEK[])')
        self.assertFalse(any(b'never finished' in x['BODY[]'] for x in msgs),
                         'an unfinished DATA was delivered')

    def test_13_lmtp_random_bytes_and_bad_commands(self):
        c = loftlib.LMTPClient(self.server.lmtp, timeout=30)
        try:
            for cmd in ('DATA', 'RCPT TO:<alice>', 'MAIL FROM:bogus', 'HELO x', 'BDAT 10'):
                if cmd.startswith('BDAT'):  # RFC 3030 §2: a refused chunk is still read
                    c.send(b'BDAT 10\r\n0123456789')
                    code, text = c.reply()
                else:
                    code, text = c.cmd(cmd)
                self.assertTrue(400 <= code < 600 or (cmd == 'HELO x' and code == 250),
                                '%s -> %d %s' % (cmd, code, text))
            self.assertEqual(c.cmd('VRFY alice')[0] if self.strict else 252, 252)
        except (ConnectionError, OSError):
            if self.strict:
                raise
        finally:
            c.close()
        s = socket.create_connection(loftlib.split_hostport(self.server.lmtp), timeout=10)
        try:
            s.recv(1024)
            try:
                s.sendall(self.random_garbage(7, 8192) + b'\r\nQUIT\r\n')
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and s.recv(65536):
                    pass
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                pass
        finally:
            s.close()
        self.assert_server_fine()

    def test_99_normal_login_and_fetch(self):
        self.assertTrue(self.server.alive())
        m = loftlib.imap_connect(self.server.imap_starttls, 'starttls')
        try:
            self.assertEqual(m.login('bob', USERS['bob'])[0], 'OK')
            n = loftlib.select(m)
            self.assertGreaterEqual(n, 2)
            msgs = loftlib.fetch_all(m)
            self.assertEqual(self.server.strip_added(msgs[0]['BODY[]']), FIRST)
        finally:
            m.logout()


if __name__ == '__main__':
    loftlib.run_unittest('e2e-bad-input')

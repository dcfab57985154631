#!/usr/bin/env python3
"""TLS core end to end: resumption and certificate reload, on several loops.

Starts loftd with `loops = 2` and a configured certificate, then checks:
- a client that reconnects with the session of its previous connection resumes
  it (`session_reused`) with TLS 1.3 (tickets) and TLS 1.2 (tickets, and the
  server's session cache when the client refuses tickets), on every reconnect,
  whichever loop takes the connection;
- TLS 1.1 is refused; the negotiated cipher is an AEAD one;
- SIGHUP with a replaced certificate: an open session keeps working, new
  connections get the new certificate, and a session from before the reload
  still resumes (the ticket keys outlive the context);
- a broken certificate at SIGHUP is logged and the previous one stays in use.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_tls_core.py
"""

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import unittest
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

RECONNECTS = 6  # > loops: consecutive connections land on different loops


def make_cert(directory, name):
    """A self-signed P-256 certificate with CN=name; returns (cert, key) paths."""
    cert, key = os.path.join(directory, name + '.crt'), os.path.join(directory, name + '.key')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
                    '-nodes', '-subj', '/CN=' + name, '-days', '2', '-keyout', key, '-out', cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def der_of(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def client_ctx(version, tickets=True):
    ctx = loftlib.client_tls_context()
    ctx.minimum_version = version
    ctx.maximum_version = version
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


class Conn:
    """An implicit-TLS IMAP connection that has read the greeting (so TLS 1.3
    tickets, sent after the handshake, have arrived)."""

    def __init__(self, address, ctx, session=None):
        host, port = loftlib.split_hostport(address)
        raw = socket.create_connection((host, port), timeout=30)
        self.sock = ctx.wrap_socket(raw, session=session)
        self.buf = b''
        greeting = self.line()
        if not greeting.startswith(b'* OK'):
            raise AssertionError('greeting: %r' % greeting)

    def line(self):
        while b'\r\n' not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('closed')
            self.buf += chunk
        line, self.buf = self.buf.split(b'\r\n', 1)
        return line

    def command(self, tag, text):
        self.sock.sendall(('%s %s\r\n' % (tag, text)).encode())
        while True:
            line = self.line()
            if line.startswith(tag.encode() + b' '):
                return line

    def close(self):
        try:
            self.command('z', 'LOGOUT')
        except (OSError, ConnectionError):
            pass
        self.sock.close()


class TlsCoreTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.tlsdir = os.path.join(cls.server.dir, 'certs')
        os.makedirs(cls.tlsdir)
        cls.cert_a = make_cert(cls.tlsdir, 'first.test')
        cls.cert_b = make_cert(cls.tlsdir, 'second.test')
        cls.live_cert = os.path.join(cls.tlsdir, 'live.crt')
        cls.live_key = os.path.join(cls.tlsdir, 'live.key')
        cls.install(cls.cert_a)
        with open(cls.server.config) as f:
            text = f.read()
        with open(cls.server.config, 'w') as f:
            f.write('loops = 2\n' + text + '\n[tls]\ncert = "%s"\nkey = "%s"\n' % (cls.live_cert, cls.live_key))
        cls.server.start()
        cls.server.add_user('alice', 'alice-pw')
        cls.address = cls.server.imap_implicit

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    @classmethod
    def install(cls, pair):
        """Replaces the live certificate and key as an operator would (rename)."""
        for src, dst in zip(pair, (cls.live_cert, cls.live_key)):
            with open(src, 'rb') as f:
                data = f.read()
            with open(dst + '.tmp', 'wb') as f:
                f.write(data)
            os.replace(dst + '.tmp', dst)

    def peer_der(self, conn):
        return conn.sock.getpeercert(binary_form=True)

    def hup_and_wait_for(self, der, what):
        self.server.proc.send_signal(signal.SIGHUP)

        def served():
            c = Conn(self.address, loftlib.client_tls_context())
            try:
                return self.peer_der(c) == der
            finally:
                c.close()
        loftlib.wait_until(served, 20, what, interval=0.2)

    def check_resumption(self, version, tickets=True):
        ctx = client_ctx(version, tickets)
        first = Conn(self.address, ctx)
        self.assertFalse(first.sock.session_reused)
        session = first.sock.session
        first.close()
        for i in range(RECONNECTS):
            again = Conn(self.address, ctx, session=session)
            self.assertTrue(again.sock.session_reused, 'reconnect %d (%s) was a full handshake' % (i, version))
            self.assertEqual(again.command('a', 'NOOP')[:4], b'a OK')
            session = again.sock.session  # TLS 1.3: the fresh ticket of this connection
            again.close()

    def test_01_tls13_resumes_with_tickets(self):
        self.check_resumption(ssl.TLSVersion.TLSv1_3)

    def test_02_tls12_resumes_with_tickets(self):
        self.check_resumption(ssl.TLSVersion.TLSv1_2)

    def test_03_tls12_resumes_from_the_session_cache(self):
        self.check_resumption(ssl.TLSVersion.TLSv1_2, tickets=False)

    def test_04_versions_and_ciphers(self):
        for version, name in ((ssl.TLSVersion.TLSv1_3, 'TLSv1.3'), (ssl.TLSVersion.TLSv1_2, 'TLSv1.2')):
            c = Conn(self.address, client_ctx(version))
            self.assertEqual(c.sock.version(), name)
            cipher = c.sock.cipher()[0]
            self.assertTrue('GCM' in cipher or 'CHACHA20' in cipher, cipher)
            c.close()
        old = loftlib.client_tls_context()
        with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
            warnings.simplefilter('ignore', DeprecationWarning)
            old.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            old.maximum_version = ssl.TLSVersion.TLSv1_1
        old.set_ciphers('ALL:@SECLEVEL=0')
        with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
            Conn(self.address, old)

    def test_05_sighup_reloads_the_certificate_for_new_connections(self):
        ctx = client_ctx(ssl.TLSVersion.TLSv1_3)
        opened = Conn(self.address, ctx)
        self.assertEqual(opened.command('l', 'LOGIN alice alice-pw')[:4], b'l OK')
        self.assertEqual(self.peer_der(opened), der_of(self.cert_a[0]))
        old_session = opened.sock.session
        self.install(self.cert_b)
        self.hup_and_wait_for(der_of(self.cert_b[0]), 'the new certificate on a new connection')
        # The session opened before the reload goes on with its own context.
        self.assertEqual(opened.command('s', 'SELECT INBOX')[:4], b's OK')
        self.assertEqual(opened.command('n', 'NOOP')[:4], b'n OK')
        opened.close()
        # Ticket keys are shared by both contexts: the old session resumes.
        again = Conn(self.address, ctx, session=old_session)
        self.assertTrue(again.sock.session_reused)
        again.close()
        fresh = Conn(self.address, loftlib.client_tls_context())
        self.assertEqual(self.peer_der(fresh), der_of(self.cert_b[0]))
        fresh.close()

    def test_06_a_broken_certificate_keeps_the_current_one(self):
        with open(self.live_cert, 'w') as f:
            f.write('-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n')
        self.server.proc.send_signal(signal.SIGHUP)
        loftlib.wait_until(lambda: 'TLS reload failed' in self.server.log_tail(400), 20, 'the reload failure in the log')
        current = der_of(self.cert_b[0])
        c = Conn(self.address, loftlib.client_tls_context())
        self.assertEqual(self.peer_der(c), current)
        c.close()
        self.assertTrue(self.server.alive())
        self.install(self.cert_b)


if __name__ == '__main__':
    unittest.main(verbosity=2)

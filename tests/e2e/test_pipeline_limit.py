#!/usr/bin/env python3
"""The limit on pipelined commands (protocol/imap/pipeline.h, 10,000): a client
that piles more complete commands than that behind a running one gets
"* BYE Too many pipelined commands ..." and the connection is closed, without
the excess being run; a long pipeline under the limit is answered in full.

LOGIN keeps the session busy while the password hash (argon2id) is checked
on a worker, so the NOOPs sent right behind it wait in the input. Each test
logs in as its own account: a password checked once is remembered (the login
cache, server/auth_cache.h) and a second LOGIN would not wait for a worker.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_pipeline_limit.py
"""

import os
import socket
import ssl
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'pipe-pw'
LIMIT = 10000


def read_all(sock, seconds):
    """Everything the server sends until it closes or `seconds` pass."""
    data, deadline = b'', time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = sock.recv(1 << 16)
        except (socket.timeout, TimeoutError):
            break
        except (ConnectionResetError, ssl.SSLError):
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


class PipelineLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('dave', PASSWORD)
        cls.server.add_user('erin', PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def pipeline(self, user, count):
        host, port = loftlib.split_hostport(self.server.imap_implicit)
        s = loftlib.client_tls_context().wrap_socket(socket.create_connection((host, port), timeout=30))
        try:
            greeting = b''
            while not greeting.endswith(b'\r\n'):
                greeting += s.recv(4096)
            self.assertTrue(greeting.startswith(b'* OK'), greeting)
            burst = b'L LOGIN %s "%s"\r\n' % (user.encode(), PASSWORD.encode())
            burst += b''.join(b'n%d NOOP\r\n' % i for i in range(count))
            burst += b'Z LOGOUT\r\n'
            s.sendall(burst)
            return read_all(s, 60)
        finally:
            s.close()

    def test_1_a_long_pipeline_under_the_limit_is_answered(self):
        data, closed = self.pipeline('dave', 2000)
        self.assertIn(b'L OK', data)
        self.assertEqual(data.count(b' OK NOOP completed'), 2000, data[-300:])
        self.assertIn(b'Z OK', data)
        self.assertNotIn(b'Too many pipelined', data)

    def test_2_more_than_the_limit_is_refused_with_bye(self):
        t0 = time.monotonic()
        data, closed = self.pipeline('erin', LIMIT + 8000)  # 144 KB: under the 256 KiB input bound
        noops = data.count(b' OK NOOP completed')
        print('%d NOOP answered, %d bytes, closed=%s, %.2f s'
              % (noops, len(data), closed, time.monotonic() - t0), flush=True)
        self.assertTrue(b'* BYE Too many pipelined commands' in data, data[-300:])
        self.assertTrue(closed, 'connection left open')
        self.assertLess(noops, LIMIT + 8000)
        self.assertNotIn(b'Z OK', data)


if __name__ == '__main__':
    unittest.main(verbosity=2)

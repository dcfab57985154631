#!/usr/bin/env python3
"""Logins that cannot be used to starve the server, against the real loftd:

- failed logins are answered after a delay that grows per address and account;
  a correct login from another address (127.0.0.2) is not slowed by them;
  an address with too many failures is locked out (even a correct password is
  refused), other addresses are not;
- 64 concurrent wrong-password loops (delays off, so only the hashing quota
  protects) while LMTP delivers: delivery latency stays within 2x of unloaded.
"""

import os
import re
import socket
import statistics
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PLAIN = [('imap', '127.0.0.1:0', 'none', True)]
BASE_DELAY_MS = 300
MAX_DELAY_MS = 1200
LOCKOUT = 6
FLOODERS = 64
MSG = b'Subject: ping\r\n\r\nhello\r\n'


def login(address, user, password, source='127.0.0.1'):
    """One IMAP LOGIN over plaintext from source; returns (tagged reply, seconds)."""
    host, port = loftlib.split_hostport(address)
    s = socket.create_connection((host, port), timeout=60, source_address=(source, 0))
    try:
        f = s.makefile('rb')
        f.readline()
        t0 = time.monotonic()
        s.sendall(b'l LOGIN %s %s\r\n' % (user.encode(), password.encode()))
        while True:
            line = f.readline()
            if not line or line.startswith(b'l '):
                return line.strip(), time.monotonic() - t0
    finally:
        s.close()


class ThrottleTest(unittest.TestCase):
    def test_failures_are_delayed_and_an_address_is_locked_out(self):
        server = loftlib.LoftServer(extra_listeners=PLAIN, auth=[
            'failure_delay_ms = %d' % BASE_DELAY_MS, 'failure_delay_max_ms = %d' % MAX_DELAY_MS,
            'lockout_failures = %d' % LOCKOUT, 'lockout_seconds = 60'])
        self.addCleanup(server.stop)
        server.start()
        server.add_user('alice', 'alice-pw')
        addr = server.listener('imap', 'none')
        reply, fast = login(addr, 'alice', 'alice-pw')
        self.assertTrue(reply.startswith(b'l OK'), reply)
        times = []
        for i in range(LOCKOUT - 1):
            reply, t = login(addr, 'alice', 'wrong')
            self.assertIn(b'AUTHENTICATIONFAILED', reply)
            times.append(t)
        loftlib.log('failed logins took %s s (a good one %.3f s)' % (['%.2f' % t for t in times], fast))
        self.assertGreaterEqual(times[0], BASE_DELAY_MS / 1000 * 0.9)
        self.assertGreater(times[2], times[0] + BASE_DELAY_MS / 1000)  # it grows
        self.assertLess(max(times), 2 * MAX_DELAY_MS / 1000 + 2)      # and is capped
        # Another address logs in at once, though the account failed meanwhile.
        reply, t = login(addr, 'alice', 'alice-pw', source='127.0.0.2')
        self.assertTrue(reply.startswith(b'l OK'), reply)
        self.assertLess(t, fast + BASE_DELAY_MS / 1000, 'a login from another address was slowed')
        # The next failure locks 127.0.0.1 out: even the right password is refused.
        login(addr, 'alice', 'wrong')
        reply, _ = login(addr, 'alice', 'alice-pw')
        self.assertIn(b'UNAVAILABLE', reply)
        reply, _ = login(addr, 'alice', 'alice-pw', source='127.0.0.3')
        self.assertTrue(reply.startswith(b'l OK'), reply)
        # Each failure is one structured event: who, from where, on which connection.
        # The reply can reach the client before its event reaches the log file.
        ok_event = r'component=imap session=\d+ remote=127\.0\.0\.3:\d+ user=alice event=login result=ok'
        loftlib.wait_until(lambda: re.search(ok_event, server.log_tail(400)), 10, 'the last login in the log')
        log = server.log_tail(400)
        failed = re.findall(r'component=auth session=\d+ remote=127\.0\.0\.1 user=alice event=login '
                            r'result=failed address_failures=(\d+) user_failures=\d+ delay_ms=\d+', log)
        self.assertGreaterEqual(len(failed), 4, log[-2000:])
        self.assertEqual(len(failed), len(set(failed)), 'a failure was logged twice')
        self.assertRegex(log, r'component=auth session=\d+ remote=127\.0\.0\.1 user=alice event=login '
                              r'result=refused locked_out=1')
        self.assertRegex(log, ok_event)


class FloodTest(unittest.TestCase):
    def deliver_latencies(self, server, n, seconds=60):
        """Latencies of up to n sequential one-recipient deliveries, stopping after
        `seconds` (a starved server answers slowly: what was measured is returned)."""
        c = loftlib.LMTPClient(server.lmtp, timeout=seconds)
        out = []
        deadline = time.monotonic() + seconds
        for _ in range(n):
            if time.monotonic() > deadline:
                break
            t0 = time.monotonic()
            _, _, replies = c.transaction('a@example.org', ['bob'], loftlib.dot_stuff(MSG))
            out.append(time.monotonic() - t0)
            assert all(r[0] == 250 for r in replies.values()), replies
        c.quit()
        return out

    def test_bad_password_flood_does_not_delay_delivery(self):
        # Delays and lockouts off: the hashing quota alone must protect delivery.
        server = loftlib.LoftServer(extra_listeners=PLAIN)
        self.addCleanup(server.stop)
        server.start()
        server.add_user('alice', 'alice-pw')
        server.add_user('bob', 'bob-pw')
        addr = server.listener('imap', 'none')
        self.deliver_latencies(server, 10)  # warm up
        quiet = statistics.median(self.deliver_latencies(server, 40))
        stop = threading.Event()
        attempts = [0]

        def flood():
            while not stop.is_set():
                try:
                    login(addr, 'alice', 'wrong')
                    attempts[0] += 1
                except OSError:
                    time.sleep(0.05)
        threads = [threading.Thread(target=flood, daemon=True) for _ in range(FLOODERS)]
        for t in threads:
            t.start()
        time.sleep(2)
        loaded_all = self.deliver_latencies(server, 40, seconds=30)
        loaded = statistics.median(loaded_all) if len(loaded_all) == 40 else float('inf')
        stop.set()
        for t in threads:
            t.join(30)
        loftlib.log('delivery latency: median %.1f ms quiet, %.1f ms (max %.1f, %d of 40 in 30 s) during %d '
                    'wrong-password loops (%d attempts)' % (quiet * 1e3, loaded * 1e3, max(loaded_all or [0]) * 1e3,
                                                           len(loaded_all), FLOODERS, attempts[0]))
        self.assertGreater(attempts[0], 0)
        self.assertLess(loaded, max(2 * quiet, quiet + 0.005),
                        'delivery median %.1f ms vs %.1f ms quiet' % (loaded * 1e3, quiet * 1e3))


if __name__ == '__main__':
    loftlib.run_unittest('auth-limits')

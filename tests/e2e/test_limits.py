#!/usr/bin/env python3
"""Connection limits that keep loftd alive on the open internet, each driven over
loopback against the real loftd:

- clients that pipeline commands and never read, before and after login, on IMAP,
  POP3 and LMTP at once for FLOOD_SECONDS: loftd's RSS grows by less than 4 MiB and
  another client's NOOP latency stays low (output backpressure);
- a client that sends but never reads is closed at the stall limit;
- a pre-login literal announcing 50 MB gets BAD without a continuation (and a
  non-synchronising one ends the connection): nothing is buffered;
- a slowloris (one byte per second) is closed at the login timeout;
- HALF_OPEN connections that say nothing: those over the per-address limit are
  refused at once, the rest are closed at the login timeout, and loftd's
  descriptors and anonymous memory return to where they were (memory_trim.h);
- buffers grown for one 20 MiB command are released after it (three literals
  that are refused, one APPEND that is stored);
- a client that sends a literal and its closing CRLF (IMAP APPEND), or a
  message and its final dot (LMTP DATA), in two writes with Nagle's algorithm on
  is not held by loftd's delayed ACK (40 ms on Linux): loftd acknowledges at once
  while a command is incomplete.
"""

import os
import resource
import select
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

FLOOD_SECONDS = 10
LOGIN_TIMEOUT = 3
STALL_TIMEOUT = 3
PER_ADDRESS = 1000
HALF_OPEN = 5000
PLAIN = [('imap', '127.0.0.1:0', 'none', True), ('pop3', '127.0.0.1:0', 'none', True)]
# Under AddressSanitizer freed blocks wait in its quarantine and every
# allocation carries redzones: memory bounds are checked by the normal build.
CHECK_MEMORY = 'ASAN_OPTIONS' not in os.environ


def rss_kib(server):
    return server.memory_kib()[0]


def anon_kib(server):
    """loftd's private anonymous memory (heap, arenas, stacks) in KiB: what its
    connections cost, without the shared library pages it touches on first use."""
    with open('/proc/%d/status' % server.proc.pid) as f:
        for line in f:
            if line.startswith('RssAnon:'):
                return int(line.split()[1])
    return 0


def fd_count(server):
    return len(os.listdir('/proc/%d/fd' % server.proc.pid))


def connect(address, timeout=10.0):
    host, port = loftlib.split_hostport(address)
    return socket.create_connection((host, port), timeout=timeout)


def read_until(sock, marker, timeout=10.0):
    """Reads until marker appears (or EOF / timeout); returns what was read."""
    sock.settimeout(timeout)
    data = b''
    deadline = time.monotonic() + timeout
    while marker not in data and time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


def closed_by_peer(sock, timeout):
    """True when the server closes sock within timeout (whatever it sent first)."""
    sock.settimeout(0.5)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            return True
        if not chunk:
            return True
    return False


class Flooder(threading.Thread):
    """Logs in (or not), then sends `command` as fast as the socket takes it for
    `seconds`, reading nothing. Records how many bytes the server accepted."""

    def __init__(self, address, login, command, seconds):
        super().__init__(daemon=True)
        self.sock = connect(address)
        self.command = command
        self.seconds = seconds
        self.sent = 0
        self.closed = False
        for line, marker in login:
            if line:
                self.sock.sendall(line)
            got = read_until(self.sock, marker)
            assert marker in got, (line, got)

    def run(self):
        burst = self.command * 512
        self.sock.settimeout(0.2)
        deadline = time.monotonic() + self.seconds
        while time.monotonic() < deadline:
            try:
                self.sent += self.sock.send(burst)
            except socket.timeout:
                continue
            except OSError:
                self.closed = True
                return


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = min(hard, 4 * HALF_OPEN + 1024)
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        cls.server = loftlib.LoftServer(
            extra_listeners=PLAIN,
            limits=['login_timeout_seconds = %d' % LOGIN_TIMEOUT,
                    'stall_timeout_seconds = 30',
                    'max_connections_per_address = %d' % PER_ADDRESS,
                    'max_connections = %d' % (2 * HALF_OPEN)])
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()
        cls.server.add_user('alice', 'alice-pw')
        cls.imap = cls.server.listener('imap', 'none')
        cls.pop3 = cls.server.listener('pop3', 'none')
        c = loftlib.LMTPClient(cls.server.lmtp)
        c.transaction('a@example.org', ['alice'], loftlib.dot_stuff(
            b'Subject: hello\r\n\r\n' + b'x' * 2000 + b'\r\n'))
        c.quit()

    def imap_login(self):
        return [(None, b'* OK'), (b'l LOGIN alice alice-pw\r\n', b'l OK')]

    def pop3_login(self):
        return [(None, b'+OK'), (b'USER alice\r\n', b'+OK'), (b'PASS alice-pw\r\n', b'+OK')]

    def noop_latency(self, sock, n=20):
        worst = 0.0
        for i in range(n):
            t0 = time.monotonic()
            sock.sendall(b'n%d NOOP\r\n' % i)
            got = read_until(sock, b'n%d OK' % i)
            self.assertIn(b'n%d OK' % i, got)
            worst = max(worst, time.monotonic() - t0)
        return worst

    def test_never_reading_clients_are_bounded(self):
        watcher = connect(self.imap)
        for line, marker in self.imap_login():
            if line:
                watcher.sendall(line)
            read_until(watcher, marker)
        quiet = self.noop_latency(watcher)
        floods = [
            Flooder(self.imap, [(None, b'* OK')], b'a CAPABILITY\r\n', FLOOD_SECONDS),
            Flooder(self.imap, self.imap_login(), b'a CAPABILITY\r\n', FLOOD_SECONDS),
            Flooder(self.pop3, [(None, b'+OK')], b'CAPA\r\n', FLOOD_SECONDS),
            Flooder(self.pop3, self.pop3_login(), b'LIST\r\n', FLOOD_SECONDS),
            Flooder(self.server.lmtp, [(None, b'220')], b'LHLO x\r\n', FLOOD_SECONDS),
            Flooder(self.server.lmtp, [(None, b'220'), (b'LHLO x\r\n', b'250 ')], b'NOOP\r\n', FLOOD_SECONDS),
        ]
        time.sleep(0.5)
        before = rss_kib(self.server)
        for f in floods:
            f.start()
        peak, busy = before, 0.0
        deadline = time.monotonic() + FLOOD_SECONDS
        while time.monotonic() < deadline:
            busy = max(busy, self.noop_latency(watcher, 5))
            peak = max(peak, rss_kib(self.server))
            time.sleep(0.2)
        for f in floods:
            f.join(FLOOD_SECONDS + 5)
        loftlib.log('flood: rss before %d KiB, peak %d KiB; client bytes accepted %s; NOOP worst %.1f ms '
                    'quiet, %.1f ms during' % (before, peak, [f.sent for f in floods], quiet * 1e3, busy * 1e3))
        for f in floods:
            self.assertFalse(f.closed, 'a flooder was closed before the stall limit')
            f.sock.close()
        if CHECK_MEMORY:
            self.assertLess(peak - before, 4096, 'RSS grew by %d KiB' % (peak - before))
        self.assertLess(busy, max(0.25, 5 * quiet), 'another client waited %.3f s' % busy)
        watcher.close()

    def test_client_that_does_not_read_is_closed_at_the_stall_limit(self):
        server = loftlib.LoftServer(extra_listeners=PLAIN, limits=['stall_timeout_seconds = %d' % STALL_TIMEOUT])
        self.addCleanup(server.stop)
        server.start()
        server.add_user('alice', 'alice-pw')
        f = Flooder(server.listener('imap', 'none'), self.imap_login(), b'a CAPABILITY\r\n', 4 * STALL_TIMEOUT)
        t0 = time.monotonic()
        f.start()
        f.join(4 * STALL_TIMEOUT + 5)
        elapsed = time.monotonic() - t0
        self.assertTrue(f.closed, 'the server never closed a client that reads nothing')
        self.assertGreaterEqual(elapsed, STALL_TIMEOUT - 0.5)
        self.assertLess(elapsed, 3 * STALL_TIMEOUT + 2)
        # The log line is written by the logger thread: give it a moment on a loaded machine.
        deadline = time.monotonic() + 5
        while 'event=timeout reason=stall' not in server.log_tail(200) and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertIn('event=timeout reason=stall', server.log_tail(200))

    def test_pre_login_literals_are_small(self):
        s = connect(self.imap)
        read_until(s, b'* OK')
        before = rss_kib(self.server)
        s.sendall(b'a LOGIN {52428000}\r\n')
        got = read_until(s, b'\r\n')
        self.assertTrue(got.startswith(b'a BAD'), got)
        self.assertIn(b'TOOBIG', got)
        s.sendall(b'b NOOP\r\n')  # the connection goes on
        self.assertIn(b'b OK', read_until(s, b'b OK'))
        s.sendall(b'c LOGIN {52428000+}\r\n' + b'x' * 65536)
        self.assertTrue(closed_by_peer(s, 10), 'a non-synchronising huge literal must end the connection')
        if CHECK_MEMORY:
            self.assertLess(rss_kib(self.server) - before, 2048)
        s.close()

    def test_slowloris_is_closed_at_the_login_timeout(self):
        s = connect(self.imap)
        read_until(s, b'* OK')
        t0 = time.monotonic()
        closed = False
        for b in b'a LOGIN alice alice-pw\r\n' * 4:
            try:
                s.sendall(bytes([b]))
            except OSError:
                closed = True
                break
            if closed_by_peer(s, 1.0):
                closed = True
                break
        elapsed = time.monotonic() - t0
        self.assertTrue(closed)
        self.assertLess(elapsed, LOGIN_TIMEOUT + 3)
        self.assertGreaterEqual(elapsed, LOGIN_TIMEOUT - 1)
        s.close()

    def test_half_open_connections_are_refused_or_timed_out(self):
        time.sleep(LOGIN_TIMEOUT + 2)  # let other tests' connections go
        fds0, anon0 = fd_count(self.server), anon_kib(self.server)
        socks, refused = [], 0
        host, port = loftlib.split_hostport(self.imap)
        # In waves of 500, each waited for (bounded in time): 5,000 SYNs at
        # once overflow the kernel's SYN queue, and a connection completed by
        # a SYN cookie while the accept queue is full stays half-open in the
        # kernel, never reaching loftd, which can then neither refuse nor close it.
        for first in range(0, HALF_OPEN, 500):
            poller = select.poll()
            for i in range(first, min(first + 500, HALF_OPEN)):
                s = socket.socket()
                s.setblocking(False)
                s.connect_ex((host, port))
                socks.append(s)
                poller.register(s, select.POLLOUT)
            waiting = len(socks) - first
            deadline = time.monotonic() + 10
            while waiting and time.monotonic() < deadline:
                for fd, _ in poller.poll(1000):
                    poller.unregister(fd)
                    waiting -= 1
        time.sleep(1)
        peak_fds = fd_count(self.server)
        for s in socks:
            s.setblocking(True)
            s.settimeout(0.01)
        # Connections over the per-address limit were answered and closed at once.
        deadline = time.monotonic() + 20
        pending = list(socks)
        while pending and time.monotonic() < deadline:
            still = []
            for s in pending:
                try:
                    data = s.recv(4096)
                    if b'Too many' in data:
                        refused += 1
                        continue
                    if data:
                        still.append(s)
                except (socket.timeout, BlockingIOError):
                    still.append(s)
                except OSError:
                    # Reset before the refusal was read (a slow, loaded server,
                    # e.g. under ASan): closed at once too, not held.
                    refused += 1
            pending = still
            if len(pending) <= PER_ADDRESS:
                break
        loftlib.log('half-open: %d connections, %d refused at once, server fds %d -> %d'
                    % (HALF_OPEN, refused, fds0, peak_fds))
        self.assertGreaterEqual(refused, HALF_OPEN - PER_ADDRESS - 300)
        self.assertLessEqual(peak_fds - fds0, PER_ADDRESS + 50)
        # The rest are closed at the login timeout.
        loftlib.wait_until(lambda: fd_count(self.server) <= fds0 + 5, LOGIN_TIMEOUT + 15,
                           'loftd to close idle unauthenticated connections')
        for s in socks:
            s.close()
        # loftd gives the burst's memory back after it (server/memory_trim.h),
        # within a sweep or two of the count falling.
        if CHECK_MEMORY:
            try:
                loftlib.wait_until(lambda: anon_kib(self.server) - anon0 < 4096, 10,
                                   'loftd to release the connections\' memory', interval=0.2)
            except TimeoutError:
                pass
        anon1 = anon_kib(self.server)
        loftlib.log('half-open: anonymous memory %d KiB before, %d KiB after' % (anon0, anon1))
        if CHECK_MEMORY:
            self.assertLess(anon1 - anon0, 4096)

    def test_tail_in_its_own_write_is_not_delayed(self):
        # Nagle stays on (the default) on the client, as in Python's imaplib.
        message = b'Subject: split\r\n\r\n' + b'y' * 3000 + b'\r\n'
        s = connect(self.imap)
        for line, marker in self.imap_login():
            if line:
                s.sendall(line)
            read_until(s, marker)
        times = []
        for i in range(7):
            t0 = time.monotonic()
            s.sendall(b'a%d APPEND INBOX {%d}\r\n' % (i, len(message)))
            self.assertIn(b'+', read_until(s, b'\r\n'))
            s.sendall(message)
            s.sendall(b'\r\n')
            self.assertIn(b'a%d OK' % i, read_until(s, b'a%d ' % i))
            times.append(time.monotonic() - t0)
        s.close()
        lmtp = connect(self.server.lmtp)
        read_until(lmtp, b'220')
        lmtp.sendall(b'LHLO test\r\n')
        read_until(lmtp, b'250 ')
        data_times = []
        for i in range(7):
            lmtp.sendall(b'MAIL FROM:<a@example.org>\r\n')
            read_until(lmtp, b'\r\n')
            lmtp.sendall(b'RCPT TO:<alice>\r\n')
            read_until(lmtp, b'\r\n')
            lmtp.sendall(b'DATA\r\n')
            self.assertIn(b'354', read_until(lmtp, b'\r\n'))
            t0 = time.monotonic()
            lmtp.sendall(message)
            lmtp.sendall(b'.\r\n')
            self.assertIn(b'250', read_until(lmtp, b'\r\n'))
            data_times.append(time.monotonic() - t0)
        lmtp.close()
        imap_ms = sorted(times)[3] * 1000
        lmtp_ms = sorted(data_times)[3] * 1000
        loftlib.log('tail in its own write: APPEND median %.1f ms, LMTP DATA median %.1f ms' % (imap_ms, lmtp_ms))
        # A held tail costs 40 ms or more each time; a stored message a few ms.
        self.assertLess(imap_ms, 30, 'APPEND: the CRLF after the literal waited for a delayed ACK')
        self.assertLess(lmtp_ms, 30, 'LMTP: the final dot waited for a delayed ACK')

    def test_buffers_grown_for_one_command_are_released(self):
        n = 50
        conns = []
        for _ in range(n):
            s = connect(self.imap)
            for line, marker in self.imap_login():
                if line:
                    s.sendall(line)
                read_until(s, marker)
            conns.append(s)
        big = 20 << 20
        line = b'x' * 76 + b'\r\n'
        message = b'From: big@example.org\r\nSubject: twenty MiB\r\n\r\n' + line * (big // len(line))

        def append(s, tag):
            # A real 20 MiB APPEND into INBOX, stored (its body compresses to
            # almost nothing, so the store's memtable does not count here).
            s.sendall(b'%s APPEND INBOX {%d+}\r\n' % (tag, len(message)))
            s.sendall(message + b'\r\n')
            got = read_until(s, tag + b' ', timeout=60)
            got += read_until(s, b'\r\n', timeout=10)
            self.assertRegex(got, tag + rb' OK \[APPENDUID \d+ \d+\]')

        # Each worker thread keeps one zstd compressor (about 1 MiB, at most
        # worker_threads of them) from the first chunk it compresses: a first
        # APPEND makes them, so that the idle figure is that of a server that
        # has stored mail before.
        append(conns[5], b'w')
        time.sleep(0.5)
        idle = rss_kib(self.server)
        # A 20 MiB literal is accepted after login only where a message may go
        # (APPEND, streamed: here with LITERAL+ to a missing mailbox, so every
        # byte passes through and is dropped); whatever the answer, no buffer stays.
        for s in conns[:3]:
            s.sendall(b'p APPEND Nowhere {%d+}\r\n' % big)
            s.sendall(b'x' * big + b'\r\n')
            got = read_until(s, b'p ', timeout=60)
            got += read_until(s, b'\r\n', timeout=10)
            self.assertRegex(got, rb'p (NO|BAD|OK)')
        append(conns[4], b'r')
        time.sleep(1)
        after = rss_kib(self.server)
        loftlib.log('20 MiB commands: rss idle %d KiB (%d conns), after %d KiB' % (idle, n, after))
        if CHECK_MEMORY:
            self.assertLess(after - idle, 8192, 'the buffers of 4 x 20 MiB commands were kept')
        # Other commands never get a literal larger than a line.
        s = conns[3]
        s.sendall(b'q SELECT {%d}\r\n' % big)
        got = read_until(s, b'\r\n')
        self.assertTrue(got.startswith(b'q BAD') and b'TOOBIG' in got, got)
        for s in conns:
            s.close()


if __name__ == '__main__':
    loftlib.run_unittest('limits')

#!/usr/bin/env python3
"""IDLE at scale: N connections IDLE on one M-message INBOX; memory per connection
and the time new mail takes to reach all of them (issue 7's IDLE benchmark).

For each mode (plain, tls) a fresh loftd (tests/e2e/loftlib.py) gets an account
whose INBOX holds M small messages (LMTP, 8 connections). Then:
1. a warm-up of W connections (--warmup, 100) SELECT INBOX and IDLE, so each loop
   has loaded its shared index of the mailbox (server/imap/shared_index.h) and the
   allocator's arenas have seen the 19 MiB password hashes: PSS `base`;
2. N - W more connections log in, SELECT INBOX and IDLE: PSS `pss`;
   per connection = (pss - base) / (N - W), i.e. beyond the shared view;
3. one message is delivered; the time from the start of its LMTP transaction to
   the moment every connection has read its "* M+1 EXISTS" (max and median) is
   the push figure (the pushes leave as the commit is published, so they may
   reach the clients before the LMTP 250 does);
   repeated `--rounds` times.
Every address is 127.0.0.1; every wait is bounded.

    ninja -C build
    python3 tools/bench/idle_push.py [--connections 2000] [--messages 10000] [--modes plain,tls]
"""

import argparse
import asyncio
import os
import resource
import selectors
import socket
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'e2e'))
import loftlib  # noqa: E402

PASSWORD = 'idle-secret'
USER = 'idler'
LOOPS = 2


def fill(server, messages, threads=8):
    body = loftlib.wire_data(b'Subject: filler\r\nFrom: a@example.org\r\n\r\n' + b'x' * 200 + b'\r\n')[0]
    errors = []

    def worker(count):
        lmtp = loftlib.LMTPClient(server.lmtp)
        try:
            for _ in range(count):
                _, _, data = lmtp.transaction('a@example.org', ['%s@example.org' % USER], body)
                if [r[0] for r in data.values()] != [250]:
                    errors.append(data)
                    return
        finally:
            lmtp.close()
    ts = [threading.Thread(target=worker, args=(messages // threads + (1 if i < messages % threads else 0),))
          for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(3600)
    if errors:
        raise RuntimeError('delivery failed: %r' % errors[0])


def deliver_one(server):
    """Delivers one message; returns (time its transaction began, time of its 250)."""
    lmtp = loftlib.LMTPClient(server.lmtp)
    try:
        t0 = time.monotonic()
        body = loftlib.wire_data(b'Subject: new\r\nFrom: a@example.org\r\n\r\nnew mail\r\n')[0]
        _, _, data = lmtp.transaction('a@example.org', ['%s@example.org' % USER], body)
        assert [r[0] for r in data.values()] == [250], data
        t250 = time.monotonic()
    finally:
        lmtp.close()
    return t0, t250


class Idler:
    def __init__(self):
        self.r = self.w = None
        self.buf = b''

    async def open(self, address, tls, sem):
        host, port = loftlib.split_hostport(address)
        async with sem:
            self.r, self.w = await asyncio.open_connection(host, port,
                                                           ssl=loftlib.client_tls_context() if tls else None)
            await self.r.readline()
            for tag, cmd in ((b'a1', b'LOGIN %s %s' % (USER.encode(), PASSWORD.encode())), (b'a2', b'SELECT INBOX')):
                self.w.write(tag + b' ' + cmd + b'\r\n')
                await self.until(lambda l, t=tag: l.startswith(t + b' '))
            self.w.write(b'a3 IDLE\r\n')
            await self.until(lambda l: l.startswith(b'+ '))

    async def until(self, pred):
        while True:
            i = self.buf.find(b'\r\n')
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                if pred(line):
                    return line
                continue
            chunk = await self.r.read(65536)
            if not chunk:
                raise ConnectionError('closed')
            self.buf += chunk


async def run_mode(server, address, tls, n, rounds, settle, warmup):
    sem = asyncio.Semaphore(50)
    warm = [Idler() for _ in range(warmup)]
    for c in warm:  # one at a time: the least-loaded loop takes each
        await asyncio.wait_for(c.open(address, tls, sem), 120)
    await asyncio.sleep(settle)
    _, base = server.memory_kib()
    rest = [Idler() for _ in range(n - warmup)]
    await asyncio.wait_for(asyncio.gather(*(c.open(address, tls, sem) for c in rest)), 1800)
    await asyncio.sleep(settle)
    _, pss = server.memory_kib()
    everyone = warm + rest
    # The pushes are timed on the raw sockets by a plain selector, with the
    # asyncio loop blocked meanwhile (so it reads nothing): one recv per
    # socket, no task wake-ups, and for TLS the first encrypted byte counts
    # (nothing else is sent to an IDLE session).
    socks = [socket.socket(fileno=os.dup(c.w.get_extra_info('socket').fileno())) for c in everyone]
    pushes = time_pushes(server, socks, rounds)
    for s in socks:
        s.close()
    for c in everyone:
        c.w.close()
    return (pss - base) / (n - len(warm)), base, pushes


def time_pushes(server, socks, rounds):
    sel = selectors.DefaultSelector()
    for i, s in enumerate(socks):
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, i)
    out = []
    for _ in range(rounds):
        pending = set(range(len(socks)))
        arrived = []
        result = {}
        t = threading.Thread(target=lambda: result.update(zip(('t0', 't250'), deliver_one(server))))
        t.start()
        deadline = time.monotonic() + 60
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(1.0):
                now = time.monotonic()
                data = key.fileobj.recv(65536)
                if not data:
                    raise ConnectionError('connection %d closed' % key.data)
                if key.data in pending:
                    pending.discard(key.data)
                    arrived.append(now)
        t.join(60)
        if pending:
            raise RuntimeError('%d connections got nothing within 60 s' % len(pending))
        t0 = result['t0']
        out.append((max(arrived) - t0, statistics.median(arrived) - t0, result['t250'] - t0))
        end = time.monotonic() + 0.5  # drain the rest of this round's responses
        while time.monotonic() < end:
            for key, _ in sel.select(0.1):
                key.fileobj.recv(65536)
    sel.close()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--connections', type=int, default=2000)
    ap.add_argument('--messages', type=int, default=10000)
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--settle', type=float, default=3.0)
    ap.add_argument('--modes', default='plain,tls')
    ap.add_argument('--warmup', type=int, default=100,
                    help='connections made before the base figure (at least one per loop), so that '
                    'the shared views and the allocator\'s arenas are in it')
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * a.connections + 200)), hard))
    print('%d connections IDLE on a %d-message INBOX, loops = %d' % (a.connections, a.messages, LOOPS))
    for mode in a.modes.split(','):
        tls = mode == 'tls'
        server = loftlib.LoftServer(
            extra_listeners=[('imap', '127.0.0.1:0', 'none', True)],
            limits=['max_connections_per_address = %d' % (a.connections + 100),
                    'max_connections = %d' % (a.connections + 100)],
            auth=['failure_delay_ms = 0', 'failure_delay_max_ms = 0', 'lockout_failures = 0',
                  'hash_concurrency = 2'])
        try:
            with open(server.config) as f:
                text = f.read()
            with open(server.config, 'w') as f:
                f.write('loops = %d\n' % LOOPS + text)
            server.start()
            server.add_user(USER, PASSWORD)
            t = time.monotonic()
            fill(server, a.messages)
            print('%s: %d messages delivered in %.1f s' % (mode, a.messages, time.monotonic() - t), flush=True)
            address = server.imap_implicit if tls else server.listener('imap', 'none')
            per, base, pushes = asyncio.run(run_mode(server, address, tls, a.connections, a.rounds, a.settle,
                                                     a.warmup))
            print('%s: PSS base %d KiB (loftd with %d IDLE sessions and the shared views); '
                  '%.2f KiB per further IDLE connection' % (mode, base, a.warmup, per))
            for i, (worst, median, lmtp) in enumerate(pushes):
                print('%s: round %d: new mail reached all %d in %.1f ms (median %.1f ms) from the start of its '
                      'LMTP transaction (which got its 250 after %.1f ms)'
                      % (mode, i + 1, a.connections, worst * 1000, median * 1000, lmtp * 1000), flush=True)
        finally:
            server.stop()
            server.cleanup()


if __name__ == '__main__':
    main()

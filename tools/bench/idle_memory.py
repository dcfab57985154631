#!/usr/bin/env python3
"""Memory per idle IMAP connection on loftd: plaintext, TLS, TLS + COMPRESS=DEFLATE.

For each mode a fresh loftd (tests/e2e/loftlib.py) gets N connections that log in,
SELECT INBOX and, for the DEFLATE modes, send COMPRESS DEFLATE and one compressed
NOOP (so both zlib directions have run once, as with a real client), then stay idle.
The figure is (PSS of loftd with the connections - PSS before) / N, measured after
the connections settle. Every address is 127.0.0.1; every wait is bounded.
With --dovecot N, a private Dovecot in its best configuration (mdbox, the
high-performance process model: a few imap processes serve many sessions) is
measured the same way in the same run, summed over all its processes, for the
plaintext and TLS modes (its COMPRESS needs the imap_zlib plugin, not set up).

    ninja -C build
    python3 tools/bench/idle_memory.py [--connections 1000] [--modes tls,tls+deflate] [--dovecot 1000]
"""

import argparse
import asyncio
import os
import resource
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'e2e'))
import loftlib  # noqa: E402

PASSWORD = 'idle-secret'
USERS = ['idle%d' % i for i in range(20)]
MODES = [('plain', False, False), ('plain+deflate', False, True), ('tls', True, False),
         ('tls+deflate', True, True)]


async def read_tagged(r, tag, inflater=None):
    buf = b''
    while True:
        chunk = await r.read(65536)
        if not chunk:
            raise ConnectionError('closed while waiting for %r' % tag)
        buf += inflater.decompress(chunk) if inflater else chunk
        for line in buf.split(b'\r\n'):
            if line.startswith(tag + b' '):
                if not line.startswith(tag + b' OK'):
                    raise loftlib.ProtocolError(line.decode('latin-1'))
                return


async def one(address, tls, deflate, user, sem):
    host, port = loftlib.split_hostport(address)
    async with sem:
        r, w = await asyncio.open_connection(host, port, ssl=loftlib.client_tls_context() if tls else None)
        await r.readline()
        for tag, cmd in ((b'a1', b'LOGIN %s %s' % (user.encode(), PASSWORD.encode())),
                         (b'a2', b'SELECT INBOX')):
            w.write(tag + b' ' + cmd + b'\r\n')
            await read_tagged(r, tag)
        if deflate:
            w.write(b'a3 COMPRESS DEFLATE\r\n')
            await read_tagged(r, b'a3')
            inflater = zlib.decompressobj(wbits=-15)
            deflater = zlib.compressobj(6, zlib.DEFLATED, -15)
            w.write(deflater.compress(b'a4 NOOP\r\n') + deflater.flush(zlib.Z_SYNC_FLUSH))
            await read_tagged(r, b'a4', inflater)
        return w


async def warm_up(address, tls):
    sem = asyncio.Semaphore(1)
    for u in USERS:
        (await one(address, tls, False, u, sem)).close()


async def measure(server, address, tls, deflate, n, settle):
    await asyncio.sleep(settle)
    _, base = server.memory_kib()
    sem = asyncio.Semaphore(50)
    writers = await asyncio.wait_for(
        asyncio.gather(*(one(address, tls, deflate, USERS[i % len(USERS)], sem) for i in range(n))), 600)
    try:
        await asyncio.sleep(settle)
        _, pss = server.memory_kib()
    finally:
        for w in writers:
            w.close()
        await asyncio.gather(*(w.wait_closed() for w in writers), return_exceptions=True)
    return (pss - base) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--connections', type=int, default=1000)
    ap.add_argument('--settle', type=float, default=3.0)
    ap.add_argument('--modes', default=','.join(m[0] for m in MODES),
                    help='comma-separated subset of: %(default)s')
    ap.add_argument('--dovecot', type=int, default=0,
                    help='also measure Dovecot mdbox-hp with this many connections (plain, tls)')
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, 2 * max(a.connections, a.dovecot) + 100))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    print('mode            PSS KiB per idle connection (%d connections, fresh loftd each)' % a.connections)
    for name, tls, deflate in MODES:
        if name not in a.modes.split(','):
            continue
        # Every client is 127.0.0.1: lift the per-address cap; two password
        # checks at once so that 10,000 logins fit in minutes.
        server = loftlib.LoftServer(
            extra_listeners=[('imap', '127.0.0.1:0', 'none', True)],
            limits=['max_connections_per_address = %d' % (a.connections + 100),
                    'max_connections = %d' % (a.connections + 100)],
            auth=['failure_delay_ms = 0', 'failure_delay_max_ms = 0', 'lockout_failures = 0',
                  'hash_concurrency = 2'])
        try:
            server.start()
            for u in USERS:
                server.add_user(u, PASSWORD)
            address = server.imap_implicit if tls else server.listener('imap', 'none')
            kib = asyncio.run(measure(server, address, tls, deflate, a.connections, a.settle))
            print('%-15s %.1f' % (name, kib), flush=True)
        finally:
            server.stop()
            server.cleanup()
    if a.dovecot:
        print('Dovecot (%s), %d connections' % (loftlib.dovecot_label('mdbox', True, 'optimized'), a.dovecot))
        for name, tls, deflate in MODES:
            if deflate or name not in a.modes.split(','):
                continue
            server = loftlib.dovecot_profile('mdbox-hp', max_connections=a.dovecot + 100)
            try:
                server.start()
                for u in USERS:
                    server.add_user(u, PASSWORD)
                # Dovecot counts loopback as secure: plaintext LOGIN on its STARTTLS port.
                address = server.imap_implicit if tls else server.imap_starttls
                # Each user's first SELECT creates its mdbox INBOX; concurrent first
                # SELECTs race on it (NO [ALREADYEXISTS]): one at a time first.
                asyncio.run(warm_up(address, tls))
                kib = asyncio.run(measure(server, address, tls, deflate, a.dovecot, a.settle))
                print('dovecot %-7s %.1f' % (name, kib), flush=True)
            finally:
                server.stop()
                server.cleanup()


if __name__ == '__main__':
    main()

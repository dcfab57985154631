#!/usr/bin/env python3
"""`FETCH 1:* (FLAGS)` on a --messages (default 50,000) message INBOX: one account
per server, filled with small messages (one in three \\Seen, one in ten \\Flagged
with a keyword), then one connection (implicit TLS) does LOGIN, SELECT INBOX and
--reps times `FETCH 1:* (FLAGS)` one after the other.

Reports per server: the median, lowest and highest wall time of one FETCH (the
client reads every response line), the server's CPU per FETCH (all its processes,
from /proc) and the response size. With --perf (and `perf` installed), loftd's
last --perf-reps FETCHes run under `perf record -g` and the top of `perf report`
is printed: where the time goes.

    python3 tools/bench/fetch_flags.py                                 # about 3 minutes
    python3 tools/bench/fetch_flags.py --messages 5000 --servers loft --perf
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imap_load  # noqa: E402

USER = 'flags0'


def messages(n):
    """Small messages (about 300 bytes): the index, not the bodies, is measured."""
    return [('From: a%d@example.com\r\nTo: flags0@example.org\r\nSubject: m %d\r\n'
             'Message-ID: <flags-%d@example.com>\r\n\r\nbody %d\r\n' % (i % 50, i, i, i)).encode()
            for i in range(n)]


async def mark(c, n):
    """Sets \\Seen on every third message and \\Flagged $Work on every tenth."""
    for step, flags in ((3, '\\Seen'), (10, '\\Flagged $Work')):
        seqs = list(range(1, n + 1, step))
        for i in range(0, len(seqs), 2000):
            r = await c.cmd('STORE %s +FLAGS.SILENT (%s)'
                            % (','.join(map(str, seqs[i:i + 2000])), flags))
            if not r.ok:
                raise imap_load.loftlib.ProtocolError('STORE: %s %s' % (r.status, r.text))


class RawFetch:
    """The timed FETCH over a blocking TLS socket, reading in 256 KiB pieces until
    the tagged reply: asyncio's line reader costs the client about 60 us per line,
    which would hide both servers at 50,000 lines. FLAGS responses hold no literal."""

    def __init__(self, address):
        host, port = imap_load.loftlib.split_hostport(address)
        raw = socket.create_connection((host, port), timeout=120)
        self.s = imap_load.loftlib.client_tls_context().wrap_socket(raw, server_hostname=host)
        self.n = 0
        self.read_until(b'\r\n')

    def read_until(self, end):
        buf = bytearray()
        while not buf.endswith(end):
            piece = self.s.recv(262144)
            if not piece:
                raise ConnectionError('server closed the connection')
            buf += piece
        return buf

    def cmd(self, text):
        """(seconds, response bytes, untagged lines) of one command; asserts OK."""
        self.n += 1
        tag = b'r%d' % self.n
        t0 = time.perf_counter()
        self.s.sendall(tag + b' ' + text.encode() + b'\r\n')
        buf = self.read_until(b'\r\n')
        while True:
            last = buf.rfind(b'\r\n', 0, len(buf) - 2) + 2
            last = last if last > 1 else 0
            if buf.startswith(tag + b' ', last):
                break
            buf += self.read_until(b'\r\n')
        dt = time.perf_counter() - t0
        if not buf.startswith(tag + b' OK', last):
            raise imap_load.loftlib.ProtocolError('%s: %r' % (text, bytes(buf[last:])))
        return dt, last, buf.count(b'\r\n') - 1

    def close(self):
        self.s.close()


async def run(server, reps, perf_reps, perf_out):
    c = await imap_load.Client.connect(server.imap_implicit, timeout=300)
    try:
        r = await c.cmd('LOGIN %s "%s"' % (USER, imap_load.PASSWORD))
        assert r.ok, r.text
        r = await c.cmd('SELECT INBOX')
        assert r.ok, r.text
        exists = max(int(line.split()[1]) for line in r.untagged
                     if isinstance(line, bytes) and line.endswith(b' EXISTS\r\n'))
        await mark(c, exists)
        await c.cmd('LOGOUT')
    finally:
        await c.close()
    return measure_fetches(server, exists, reps, perf_reps, perf_out)


def measure_fetches(server, exists, reps, perf_reps, perf_out):
    out = {'seconds': [], 'cpu': [], 'bytes': 0, 'lines': 0, 'perf': None}
    c = RawFetch(server.imap_implicit)
    try:
        c.cmd('LOGIN %s "%s"' % (USER, imap_load.PASSWORD))
        c.cmd('SELECT INBOX')
        c.cmd('FETCH 1:* (FLAGS)')  # warm: the first reads the store's caches
        pids = server.pids()
        prof = None
        for i in range(reps + perf_reps):
            if i == reps and perf_out:
                prof = subprocess.Popen(['perf', 'record', '-g', '-o', perf_out, '-p',
                                         ','.join(map(str, pids))],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(1)
            s0 = imap_load.cpu_seconds(pids)
            dt, nbytes, lines = c.cmd('FETCH 1:* (FLAGS)')
            s1 = imap_load.cpu_seconds(pids)
            if i < reps:
                out['seconds'].append(dt)
                out['cpu'].append(s1 - s0)
            out['lines'], out['bytes'] = lines, nbytes
        if prof:
            prof.send_signal(signal.SIGINT)
            prof.wait(60)
            out['perf'] = perf_out
        c.cmd('LOGOUT')
    finally:
        c.close()
    if out['lines'] != exists:
        raise imap_load.loftlib.ProtocolError('%d FETCH lines for %d messages'
                                              % (out['lines'], exists))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--servers', default='dovecot-mdbox-hp,loft')
    ap.add_argument('--messages', type=int, default=50000)
    ap.add_argument('--reps', type=int, default=9, help='timed FETCHes per server')
    ap.add_argument('--perf', action='store_true', help='profile loftd with perf record')
    ap.add_argument('--perf-reps', type=int, default=20)
    ap.add_argument('--json', help='write the results to this file')
    a = ap.parse_args()
    print('machine:', imap_load.machine_info(), flush=True)
    msgs = messages(a.messages)
    tmp = tempfile.mkdtemp(prefix='fetch-flags-')

    def measure(label, s, stored):
        perf_out = None
        if a.perf and label == 'loft' and shutil.which('perf'):
            perf_out = os.path.join(tmp, 'perf.data')
        res = asyncio.run(run(s, a.reps, a.perf_reps if perf_out else 0, perf_out))
        res['median_ms'] = statistics.median(res['seconds']) * 1000
        res['cpu_ms'] = sum(res['cpu']) / len(res['cpu']) * 1000  # /proc ticks are 10 ms
        print('  %s: %s' % (label, json.dumps(res)), flush=True)
        if res['perf']:
            for sort in ('dso', 'dso,symbol'):
                rep = subprocess.run(['perf', 'report', '-i', res['perf'], '--no-children',
                                      '--sort', sort, '--percent-limit', '1', '--stdio',
                                      '-g', 'none'], capture_output=True, text=True, timeout=300)
                print('\n'.join([x[:150] for x in rep.stdout.splitlines()
                                if x and not x.startswith('#')][:40]))
        return res

    results = imap_load.for_each_server(imap_load.server_names(a.servers), [USER], msgs, measure)
    rows = [[label, '%.1f' % r['median_ms'], '%.1f' % (min(r['seconds']) * 1000),
             '%.1f' % (max(r['seconds']) * 1000), '%.1f' % r['cpu_ms'], '%d' % r['bytes']]
            for label, r in results.items()]
    print()
    imap_load.print_table(['server', 'median ms', 'min ms', 'max ms', 'server CPU ms',
                           'response bytes'], rows)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': imap_load.machine_info(), 'messages': a.messages,
                       'results': results}, f, indent=1)
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if results else 1


if __name__ == '__main__':
    sys.exit(main())

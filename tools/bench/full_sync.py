#!/usr/bin/env python3
"""Thunderbird-style full sync of a --messages (default 20,000) message INBOX: per
connection SELECT INBOX, `UID FETCH 1:* (UID RFC822.SIZE FLAGS)`, then every message
in 64 KiB chunks, one command at a time as Thunderbird's offline sync does:
`UID FETCH u (UID RFC822.SIZE BODY.PEEK[]<offset.65536>)` until the message is whole.
--connections N splits the UIDs into N contiguous ranges fetched at once.

Reports per server: MB/s and messages/s of message bytes, chunks, the server's CPU
per GB (all its processes, from /proc) and the load generator's CPU per GB. Every
message's received bytes must add up to its RFC822.SIZE; a short or refused chunk
is counted as an error and reported, not fatal. Bounded by --max-seconds per server.

The account is filled with messages of 1.5 KB to 120 KB (about 18 KB on average,
one in four multipart): loftd over LMTP as configured ([storage] sync = true),
Dovecot by IMAP MULTIAPPEND (imap_load.fill) with mail_fsync = never, restarted
with its profile's setting before the measurement (the read path does not depend
on it).

    python3 tools/bench/full_sync.py                      # 20,000 messages, about 5 minutes
    python3 tools/bench/full_sync.py --messages 2000 --servers dovecot-mdbox-hp,loft
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imap_load  # noqa: E402
from imap_load import loftlib  # noqa: E402

USER = 'sync0'
CHUNK = 65536
_UID_SIZE = re.compile(rb'UID (\d+)')
_SIZE = re.compile(rb'RFC822\.SIZE (\d+)')


async def sync_range(address, lo, hi, deadline):
    """Syncs UIDs lo..hi (indexes into the UID list); returns counters."""
    out = {'bytes': 0, 'messages': 0, 'chunks': 0, 'errors': [], 'cut': False}
    c = await imap_load.Client.connect(address, timeout=120)
    try:
        r = await c.cmd('LOGIN %s "%s"' % (USER, imap_load.PASSWORD))
        if not r.ok:
            out['errors'].append('LOGIN %s %s' % (r.status, r.text))
            return out
        r = await c.cmd('SELECT INBOX')
        if not r.ok:
            out['errors'].append('SELECT %s %s' % (r.status, r.text))
            return out
        r = await c.cmd('UID FETCH 1:* (UID RFC822.SIZE FLAGS)')
        if not r.ok:
            out['errors'].append('UID FETCH 1:* %s %s' % (r.status, r.text))
            return out
        sizes = []
        for line in r.untagged:
            if isinstance(line, bytes) and line.startswith(b'* ') and b' FETCH ' in line:
                u, s = _UID_SIZE.search(line), _SIZE.search(line)
                if u and s:
                    sizes.append((int(u.group(1)), int(s.group(1))))
        sizes.sort()
        for uid, size in sizes[lo:hi]:
            got, offset = 0, 0
            while offset < max(size, 1):
                if time.monotonic() > deadline:
                    out['cut'] = True
                    return out
                r = await c.cmd('UID FETCH %d (UID RFC822.SIZE BODY.PEEK[]<%d.%d>)'
                                % (uid, offset, CHUNK))
                out['chunks'] += 1
                if not r.ok:
                    out['errors'].append('chunk %s %s' % (r.status, r.text[:80]))
                    break
                if r.literal_bytes == 0:
                    break
                got += r.literal_bytes
                offset += CHUNK
            out['bytes'] += got
            out['messages'] += 1
            if got != size:
                out['errors'].append('UID %d: %d of %d bytes' % (uid, got, size))
        await c.cmd('LOGOUT')
        return out
    finally:
        await c.close()


def worker(address, lo, hi, seconds, queue):
    try:
        queue.put(asyncio.run(sync_range(address, lo, hi, time.monotonic() + seconds)))
    except Exception as e:  # reported in the table, the other servers still run
        queue.put({'bytes': 0, 'messages': 0, 'chunks': 0, 'cut': False,
                   'errors': ['%s: %s' % (type(e).__name__, e)]})


def run_sync(server, total, connections, seconds):
    per = -(-total // connections)
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker, args=(server.imap_implicit, i * per,
                                                       (i + 1) * per, seconds, q))
          for i in range(connections)]
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, t0 = imap_load.cpu_seconds(server.pids()), time.monotonic()
    for p in ps:
        p.start()
    parts = [q.get(timeout=seconds + 300) for _ in ps]
    for p in ps:
        p.join(60)
    dt = time.monotonic() - t0
    s1 = imap_load.cpu_seconds(server.pids())
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    nbytes = sum(p['bytes'] for p in parts)
    errors = [e for p in parts for e in p['errors']]
    gb = max(nbytes, 1) / 1e9
    return {'seconds': dt, 'bytes': nbytes, 'messages': sum(p['messages'] for p in parts),
            'chunks': sum(p['chunks'] for p in parts), 'mb_per_s': nbytes / dt / 1e6,
            'msg_per_s': sum(p['messages'] for p in parts) / dt,
            'server_cpu_s_per_gb': (s1 - s0) / gb,
            'client_cpu_s_per_gb': ((ch1.ru_utime + ch1.ru_stime)
                                    - (ch0.ru_utime + ch0.ru_stime)) / gb,
            'errors': len(errors), 'first_errors': errors[:5],
            'cut': any(p['cut'] for p in parts)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--servers', default='dovecot-mdbox-hp,dovecot-maildir,loft',
                    help='comma list: loft, dovecot-PROFILE (%s)'
                    % ', '.join(loftlib.DOVECOT_PROFILES))
    ap.add_argument('--messages', type=int, default=20000)
    ap.add_argument('--connections', type=int, default=1)
    ap.add_argument('--max-seconds', type=float, default=300, help='bound per server')
    ap.add_argument('--json', help='write the results to this file')
    a = ap.parse_args()
    print('machine:', imap_load.machine_info(), flush=True)
    messages = imap_load.corpus(a.messages, seed=2)
    print('%d messages, %.0f MB, %d connection(s)' % (a.messages, sum(map(len, messages)) / 1e6,
                                                      a.connections), flush=True)

    def measure(label, s, stored):
        res = run_sync(s, stored, a.connections, a.max_seconds)
        res['rss_kib'] = s.memory_kib()[0]
        print('  %s: %s' % (label, json.dumps(res)), flush=True)
        return res
    results = imap_load.for_each_server(imap_load.server_names(a.servers), [USER], messages,
                                        measure)
    rows = [[label, '%.1f' % r['mb_per_s'], '%.0f' % r['msg_per_s'], '%d' % r['messages'],
             '%d' % r['chunks'], '%.1f' % r['server_cpu_s_per_gb'],
             '%.1f' % r['client_cpu_s_per_gb'],
             ('%d errors: %s' % (r['errors'], '; '.join(r['first_errors'][:2]))
              if r['errors'] else 'all OK') + (' (cut by --max-seconds)' if r['cut'] else '')]
            for label, r in results.items()]
    print()
    imap_load.print_table(['server', 'MB/s', 'messages/s', 'messages', '64 KiB chunks',
                           'server CPU s/GB', 'client CPU s/GB', 'notes'], rows)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': imap_load.machine_info(), 'messages': a.messages,
                       'connections': a.connections, 'results': results}, f, indent=1)
    return 0 if results else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Mixed IMAP workload: --clients concurrent clients (default 50, one account each)
for --seconds per server, each looping sessions of LOGIN, SELECT INBOX, 20 to 100
commands drawn from the mix below, LOGOUT (then reconnecting over TLS):

  FETCH 1:* (UID FLAGS)                                 flags of the whole mailbox
  FETCH a:a+19 (UID ENVELOPE)                           a page of envelopes
  FETCH a:a+19 (BODY.PEEK[HEADER.FIELDS (...)])         a page of headers
  FETCH n BODY.PEEK[]                                   one whole message
  FETCH n BODY.PEEK[]<0.65536>                          a 64 KiB partial
  STORE n +FLAGS/-FLAGS (\\Seen)                         mark read / unread
  SEARCH UNSEEN | FROM "..." | SUBJECT "..."
  APPEND INBOX; NOOP; STORE last +FLAGS.SILENT (\\Deleted); EXPUNGE   (size stays)

Reports per server: commands/s (completed OK), p50/p99 latency over every command
(and p99 without LOGIN, whose argon2id queue at the start dominates otherwise),
p99 per command, the server's CPU per command (utime+stime of all its processes
from /proc, reaped children included) and the load generator's CPU per command
(it shares the machine). A command answered NO/BAD (one the server does not
implement yet) is counted and listed, never fatal; a failed LOGIN or SELECT ends
that server's row with the reason.

The load generator (--generator): `cpp` (the default when built) is
tools/bench/mixed_load, the same clients in C++ on one thread (epoll, OpenSSL),
found at $MIXED_LOAD, build/ci/tools/mixed_load or build/tools/mixed_load (build
it with `ninja -C build tools/mixed_load`); `python` runs session() below in
asyncio worker processes, which cost about 2 ms of CPU per command, more than
either server: on a 2-core machine commands/s then measures the generator.

Servers (same run, one after the other): loft, and Dovecot profiles from
tests/e2e/loftlib.py (dovecot-mdbox-hp: its best configuration; dovecot-maildir:
default-like; dovecot-mdbox-hp-fsync / dovecot-maildir-fsync: mail_fsync = always).

    python3 tools/bench/imap_mixed.py                       # about 6 minutes
    python3 tools/bench/imap_mixed.py --servers dovecot-mdbox-hp --seconds 10 --quick
    python3 tools/bench/imap_mixed.py --generator python --quick   # the asyncio clients
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import imap_load  # noqa: E402
from imap_load import loftlib  # noqa: E402

_EXISTS = re.compile(rb'^\* (\d+) EXISTS')
HEADER_FIELDS = 'BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)]'
# (name, weight): what a mix of desktop and phone clients asks for once synced
MIX = [('fetch-flags', 8), ('fetch-envelopes', 10), ('fetch-headers', 10),
       ('fetch-body', 10), ('fetch-partial', 5), ('store', 10), ('search', 6),
       ('append-expunge', 3)]


class Stats:
    def __init__(self):
        self.lat = {}        # command -> [seconds] (OK replies)
        self.refused = {}    # 'COMMAND STATUS' -> count
        self.fatal = []

    def add(self, name, reply):
        if reply.ok:
            self.lat.setdefault(name, []).append(reply.seconds)
        else:
            key = '%s %s' % (name, reply.status)
            self.refused[key] = self.refused.get(key, 0) + 1
        return reply


async def session(address, user, deadline, st, rnd, append_msg):
    c = await imap_load.Client.connect(address)
    try:
        r = st.add('LOGIN', await c.cmd('LOGIN %s "%s"' % (user, imap_load.PASSWORD)))
        if not r.ok:
            st.fatal.append('LOGIN %s: %s %s' % (user, r.status, r.text))
            return False
        r = st.add('SELECT', await c.cmd('SELECT INBOX'))
        if not r.ok:
            st.fatal.append('SELECT: %s %s' % (r.status, r.text))
            return False
        exists = max([int(m.group(1)) for m in map(_EXISTS.match, r.untagged)
                      if m] or [0])
        names, weights = zip(*MIX)
        for _ in range(rnd.randint(20, 100)):
            if time.monotonic() > deadline or exists == 0:
                break
            op = rnd.choices(names, weights)[0]
            n = rnd.randint(1, exists)
            a = rnd.randint(1, max(1, exists - 19))
            if op == 'fetch-flags':
                st.add('FETCH flags', await c.cmd('FETCH 1:* (UID FLAGS)'))
            elif op == 'fetch-envelopes':
                st.add('FETCH envelope', await c.cmd('FETCH %d:%d (UID ENVELOPE)' % (a, a + 19)))
            elif op == 'fetch-headers':
                st.add('FETCH headers', await c.cmd('FETCH %d:%d (UID %s)' % (a, a + 19,
                                                                              HEADER_FIELDS)))
            elif op == 'fetch-body':
                st.add('FETCH body', await c.cmd('FETCH %d BODY.PEEK[]' % n))
            elif op == 'fetch-partial':
                st.add('FETCH partial', await c.cmd('FETCH %d BODY.PEEK[]<0.65536>' % n))
            elif op == 'store':
                st.add('STORE', await c.cmd('STORE %d %sFLAGS (\\Seen)' % (n, rnd.choice('+-'))))
            elif op == 'search':
                q = rnd.choice(['UNSEEN', 'FROM "sender%d"' % rnd.randint(0, 39),
                                'SUBJECT "report"'])
                st.add('SEARCH', await c.cmd('SEARCH ' + q))
            else:
                r = st.add('APPEND', await c.cmd('APPEND INBOX (\\Seen)', append_msg))
                if not r.ok:
                    continue
                r = st.add('NOOP', await c.cmd('NOOP'))
                now = max([int(m.group(1)) for m in map(_EXISTS.match, r.untagged) if m]
                          or [exists + 1])
                if now <= exists:
                    continue
                st.add('STORE', await c.cmd('STORE %d +FLAGS.SILENT (\\Deleted)' % now))
                st.add('EXPUNGE', await c.cmd('EXPUNGE'))
        st.add('LOGOUT', await c.cmd('LOGOUT'))
        return True
    finally:
        await c.close()


async def client_loop(address, user, deadline, st, seed, append_msg):
    rnd = random.Random(seed)
    while time.monotonic() < deadline:
        try:
            if not await session(address, user, deadline, st, rnd, append_msg):
                return
        except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError,
                loftlib.ProtocolError) as e:
            st.fatal.append('%s: %s' % (type(e).__name__, e))
            return


def worker(address, users, seconds, seed, queue):
    st = Stats()
    deadline = time.monotonic() + seconds
    append_msg = imap_load.make_message(10 ** 6 + seed, 6000)

    async def run():
        await asyncio.gather(*(client_loop(address, u, deadline, st, seed * 1000 + i, append_msg)
                               for i, u in enumerate(users)))
    asyncio.run(run())
    queue.put({'lat': st.lat, 'refused': st.refused, 'fatal': st.fatal[:20]})


def find_mixed_load():
    """The C++ generator: $MIXED_LOAD, else build/ci/tools/mixed_load or
    build/tools/mixed_load under the repository; None when none is executable."""
    env = os.environ.get('MIXED_LOAD')
    candidates = [env] if env else [os.path.join(imap_load.REPO, 'build', d, 'tools', 'mixed_load')
                                    for d in ('ci', '')]
    return next((os.path.normpath(p) for p in candidates if os.access(p, os.X_OK)), None)


def run_workers(address, groups, seconds):
    """One Python worker() process per group of users; their result dicts."""
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker, args=(address, g, seconds, i, q))
          for i, g in enumerate(groups)]
    for p in ps:
        p.start()
    results = [q.get(timeout=seconds + 300) for _ in ps]
    for p in ps:
        p.join(60)
    return results


def run_mixed_load(binary, address, groups, seconds):
    """One mixed_load process per group of users, with worker()'s seeds and APPEND
    message; their result dicts (same shape as worker()'s). A process that ends
    without its JSON gives a result holding only a fatal entry."""
    results, ps = [], []
    with tempfile.TemporaryDirectory(prefix='loft-mixed-load-') as tmp:
        try:
            for i, g in enumerate(groups):
                message = os.path.join(tmp, 'append-%d.eml' % i)
                with open(message, 'wb') as f:
                    f.write(imap_load.make_message(10 ** 6 + i, 6000))
                out = open(os.path.join(tmp, 'out-%d.json' % i), 'w+b')
                ps.append((out, subprocess.Popen(
                    [binary, '--address', address, '--users', ','.join(g),
                     '--password', imap_load.PASSWORD, '--seconds', repr(float(seconds)),
                     '--seed', str(i), '--append-file', message, '--timeout', '60'],
                    stdin=subprocess.DEVNULL, stdout=out)))
            for out, p in ps:
                try:
                    rc = p.wait(timeout=seconds + 300)
                except subprocess.TimeoutExpired:
                    p.kill()
                    rc = p.wait()
                out.seek(0)
                try:
                    r = json.load(out)
                except ValueError:
                    r = {'lat': {}, 'refused': {}, 'fatal': []}
                if rc != 0:
                    r['fatal'].append('mixed_load exited with status %d' % rc)
                results.append(r)
        finally:
            for out, p in ps:
                if p.poll() is None:
                    p.kill()
                    p.wait()
                out.close()
    return results


def run_point(server, users, seconds, procs, mixed_load=None):
    """Runs the clients in `procs` processes for `seconds`: the C++ generator at
    path `mixed_load` when given, else Python worker()s. Returns a result dict."""
    groups = [g for g in (users[i::procs] for i in range(procs)) if g]
    ch0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    s0, t0 = imap_load.cpu_seconds(server.pids()), time.monotonic()
    # the generators are waited for before ch1: RUSAGE_CHILDREN then holds their CPU
    if mixed_load:
        results = run_mixed_load(mixed_load, server.imap_implicit, groups, seconds)
    else:
        results = run_workers(server.imap_implicit, groups, seconds)
    dt = time.monotonic() - t0
    s1 = imap_load.cpu_seconds(server.pids())
    ch1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    lat, refused, fatal = {}, {}, []
    for r in results:
        for k, v in r['lat'].items():
            lat.setdefault(k, []).extend(v)
        for k, v in r['refused'].items():
            refused[k] = refused.get(k, 0) + v
        fatal += r['fatal']
    n = sum(len(v) for v in lat.values())
    every = sorted(x for v in lat.values() for x in v)
    # LOGIN waits for argon2id (one check at a time on loftd with 2 cores, one auth
    # process on Dovecot): its queue at the start would hide every other latency
    no_login = sorted(x for k, v in lat.items() if k != 'LOGIN' for x in v)
    client_cpu = (ch1.ru_utime + ch1.ru_stime) - (ch0.ru_utime + ch0.ru_stime)
    return {
        'seconds': dt, 'commands': n, 'cmd_per_s': n / dt,
        'p50_ms': imap_load.percentile(every, 50) * 1000,
        'p99_ms': imap_load.percentile(every, 99) * 1000,
        'p99_ms_without_login': imap_load.percentile(no_login, 99) * 1000,
        'p99_ms_by_command': {k: imap_load.percentile(sorted(v), 99) * 1000
                              for k, v in sorted(lat.items())},
        'count_by_command': {k: len(v) for k, v in sorted(lat.items())},
        'server_cpu_ms_per_cmd': (s1 - s0) / max(n, 1) * 1000,
        'client_cpu_ms_per_cmd': client_cpu / max(n, 1) * 1000,
        'refused': refused, 'fatal': sorted(set(fatal))[:10],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--servers',
                    default='dovecot-mdbox-hp,dovecot-mdbox-hp-fsync,dovecot-maildir,loft',
                    help='comma list: loft, dovecot-PROFILE (%s)'
                    % ', '.join(loftlib.DOVECOT_PROFILES))
    ap.add_argument('--clients', type=int, default=50)
    ap.add_argument('--seconds', type=float, default=30, help='measured time per server')
    ap.add_argument('--messages', type=int, help='messages per account (default 200; 50 quick)')
    ap.add_argument('--generator', choices=['cpp', 'python'],
                    help='load generator: cpp (tools/bench/mixed_load; the default when built) '
                    'or python (asyncio worker processes)')
    ap.add_argument('--procs', type=int,
                    help='load generator processes (default: 1 for cpp, 2 for python)')
    ap.add_argument('--quick', action='store_true')
    ap.add_argument('--loft-auth', action='append', default=[],
                    help="extra [auth] line for loftd, e.g. 'hash_concurrency = 2' (repeatable)")
    ap.add_argument('--json', help='write the results to this file')
    a = ap.parse_args()
    mixed_load = find_mixed_load()
    if a.generator == 'cpp' and not mixed_load:
        raise SystemExit('--generator cpp: no mixed_load binary ($MIXED_LOAD, '
                         'build/ci/tools/mixed_load, build/tools/mixed_load); '
                         'build it with: ninja -C build tools/mixed_load')
    generator = a.generator or ('cpp' if mixed_load else 'python')
    if generator == 'python':
        mixed_load = None
        if not a.generator:
            print('notice: no mixed_load binary (build it with: ninja -C build tools/mixed_load); '
                  'using the Python load generator, whose CPU per command may bound commands/s',
                  flush=True)
    procs = a.procs or (1 if generator == 'cpp' else 2)
    nmsg = a.messages or (50 if a.quick else 200)
    users = ['mx%d' % i for i in range(a.clients)]
    imap_load.raise_nofile(4 * a.clients + 1000)
    print('machine:', imap_load.machine_info(), flush=True)
    print('load generator: %s, %d process%s' % (mixed_load or 'python', procs, 'es' * (procs > 1)),
          flush=True)
    messages = imap_load.corpus(nmsg)
    print('%d clients, %d messages per account (%.1f MB each), %.0f s per server'
          % (a.clients, nmsg, sum(map(len, messages)) / 1e6, a.seconds), flush=True)

    def measure(label, s, stored):
        res = run_point(s, users, a.seconds, procs, mixed_load)
        res['rss_kib'] = s.memory_kib()[0]
        print('  %s: %s' % (label, json.dumps(res)), flush=True)
        return res
    results = imap_load.for_each_server(imap_load.server_names(a.servers), users, messages,
                                        measure, max_connections=a.clients + 50,
                                        loft_auth=a.loft_auth)
    rows = []
    for label, r in results.items():
        notes = []
        if r['refused']:
            notes.append('refused: ' + ', '.join('%s x%d' % kv for kv in sorted(r['refused'].items())))
        if r['fatal']:
            notes.append('stopped: ' + '; '.join(r['fatal'][:2]))
        rows.append([label, '%.0f' % r['cmd_per_s'], '%.1f' % r['p50_ms'], '%.1f' % r['p99_ms'],
                     '%.1f' % r['p99_ms_without_login'],
                     '%.2f' % r['server_cpu_ms_per_cmd'], '%.2f' % r['client_cpu_ms_per_cmd'],
                     ' '.join(notes) or 'all OK'])
    print()
    imap_load.print_table(['server', 'commands/s', 'p50 ms', 'p99 ms', 'p99 ms w/o LOGIN',
                           'server CPU ms/cmd',
                           'client CPU ms/cmd', 'notes'], rows)
    cmds = sorted({k for r in results.values() for k in r['p99_ms_by_command']})
    print()
    imap_load.print_table(['p99 ms by command'] + list(results),
                          [[c] + ['%.1f (%d)' % (r['p99_ms_by_command'][c], r['count_by_command'][c])
                                  if c in r['p99_ms_by_command'] else '-'
                                  for r in results.values()] for c in cmds])
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': imap_load.machine_info(), 'clients': a.clients,
                       'messages': nmsg, 'generator': generator, 'generator_procs': procs,
                       'results': results}, f, indent=1)
    return 0 if results else 1


if __name__ == '__main__':
    sys.exit(main())

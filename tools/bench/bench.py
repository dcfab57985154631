#!/usr/bin/env python3
"""Loft vs Dovecot, side by side in the same run on the same machine.

Measures, for each server:
  (a) LMTP deliveries/s with 1, 4 and 16 concurrent connections, 3 recipients per
      message, a fixed ~4 KiB message (bounded count and time per point);
  (b) IMAP whole-message FETCH throughput (UID FETCH 1:* BODY.PEEK[] over implicit
      TLS, one connection per mailbox, 3 mailboxes at once) in MB/s of message bytes;
  (c) memory of N logged-in idle IMAP connections (LOGIN + SELECT over implicit
      TLS): PSS and RSS summed over all the server's processes minus the baseline
      before connecting, per connection.
and the load generator's own cost: its CPU per delivered message, and its FETCH
ceiling against a null IMAP source (so a client-bound figure is visible as such).

Both servers sync to disk before acknowledging (loftd [storage] sync = true;
Dovecot mail_fsync = always). Every socket is on 127.0.0.1; every loop is bounded.
Prints a table with medians of --reps repetitions and the Loft/Dovecot ratios;
--json FILE saves every sample. Needs root for Dovecot (mail user `loftbench`).

  python3 tools/bench/bench.py                # full run (about 10-15 minutes)
  python3 tools/bench/bench.py --quick        # small run (about 1-2 minutes)
  python3 tools/bench/bench.py --servers dovecot
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'e2e'))
import loftlib  # noqa: E402

RCPTS = 3
FETCH_USERS = ['u0', 'u1', 'u2']   # every delivery goes to these three
PASSWORD = 'bench-password'


def make_message(size=4096):
    """A deterministic RFC 5322 message of about `size` bytes (CRLF, no dots)."""
    head = (b'From: Bench Sender <bench@example.com>\r\n'
            b'To: u0@example.org, u1@example.org, u2@example.org\r\n'
            b'Subject: benchmark message\r\n'
            b'Message-ID: <bench@example.com>\r\n'
            b'Date: Mon, 2 Nov 2026 10:00:00 +0000\r\n'
            b'MIME-Version: 1.0\r\n'
            b'Content-Type: text/plain; charset=us-ascii\r\n\r\n')
    line = b'The quick brown fox jumps over the lazy dog; 0123456789 abcdefghij.\r\n'
    body = line * ((size - len(head)) // len(line))
    return head + body


# ---------------------------------------------------------------------------
# (a) LMTP

def cpu_seconds(pids):
    """utime+stime (plus reaped children's) in seconds summed over pids."""
    tck = os.sysconf('SC_CLK_TCK')
    total = 0
    for p in pids:
        try:
            with open('/proc/%d/stat' % p) as f:
                st = f.read()
            fields = st[st.rfind(')') + 2:].split()
            total += sum(int(x) for x in fields[11:15])
        except (OSError, ValueError):
            pass
    return total / tck


def client_cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def lmtp_point(address, conc, count, seconds, wire, server=None):
    """Delivers up to `count` messages over `conc` connections for at most `seconds`,
    pipelining MAIL/RCPT/DATA as Postfix does when the server offers PIPELINING.
    Returns (messages/s, messages, errors, client CPU s/msg, server CPU s/msg)."""
    lock = threading.Lock()
    state = {'next': 0, 'done': 0, 'errors': 0}
    start_evt = threading.Event()
    deadline = [0.0]

    def worker():
        try:
            c = loftlib.LMTPClient(address, timeout=60)
        except OSError:
            with lock:
                state['errors'] += 1
            return
        start_evt.wait()
        pipelined = 'PIPELINING' in c.extensions
        try:
            while True:
                with lock:
                    if state['next'] >= count or time.monotonic() > deadline[0]:
                        break
                    state['next'] += 1
                _, _, dr = c.transaction('bench@example.com',
                                         ['%s@example.org' % u for u in FETCH_USERS], wire,
                                         pipelined=pipelined)
                ok = len(dr) == RCPTS and all(code == 250 for code, _ in dr.values())
                with lock:
                    state['done' if ok else 'errors'] += 1
        except (OSError, loftlib.ProtocolError):
            with lock:
                state['errors'] += 1
        finally:
            c.quit()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(conc)]
    for t in threads:
        t.start()
    time.sleep(0.3)  # let every connection finish LHLO
    pids = server.pids() if server else []
    c0, s0 = client_cpu(), cpu_seconds(pids)
    t0 = time.monotonic()
    deadline[0] = t0 + seconds
    start_evt.set()
    for t in threads:
        t.join(seconds + 120)
    dt = time.monotonic() - t0
    done = max(state['done'], 1)
    ccpu = (client_cpu() - c0) / done
    scpu = (cpu_seconds(server.pids() if server else []) - s0) / done if server else 0.0
    return state['done'] / dt, state['done'], state['errors'], ccpu, scpu


# ---------------------------------------------------------------------------
# (b) IMAP FETCH

def fetch_stream(address, user, password, barrier=None):
    """Logs in over implicit TLS, SELECTs, then times UID FETCH 1:* BODY.PEEK[].
    Returns (message bytes received, seconds, messages). Reads raw: literals are
    skipped by length, so the client costs little per byte."""
    ctx = loftlib.client_tls_context()
    s = ctx.wrap_socket(socket.create_connection(loftlib.split_hostport(address), timeout=120))
    buf = bytearray()

    def read_tagged(tag):
        nonlocal buf
        body_bytes = msgs = 0
        pos = 0
        while True:
            i = buf.find(b'\r\n', pos)
            if i < 0:
                del buf[:pos]
                pos = 0
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError('closed')
                buf += chunk
                continue
            line = bytes(buf[pos:i])
            pos = i + 2
            if line.endswith(b'}'):
                n = int(line[line.rindex(b'{') + 1:-1])
                body_bytes += n
                msgs += 1
                avail = len(buf) - pos
                if avail >= n:
                    pos += n
                    continue
                n -= avail
                buf, pos = bytearray(), 0
                while n > 0:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise ConnectionError('closed')
                    if len(chunk) <= n:
                        n -= len(chunk)
                    else:
                        buf += chunk[n:]
                        n = 0
                continue
            if line.startswith(tag + b' '):
                del buf[:pos]
                if not line.startswith(tag + b' OK'):
                    raise loftlib.ProtocolError(line.decode('latin-1'))
                return body_bytes, msgs

    while b'\r\n' not in buf:   # the greeting
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError('closed before the greeting')
        buf += chunk
    del buf[:buf.index(b'\r\n') + 2]
    s.sendall(b'a1 LOGIN %s %s\r\n' % (user.encode(), password.encode()))
    read_tagged(b'a1')
    s.sendall(b'a2 SELECT INBOX\r\n')
    read_tagged(b'a2')
    if barrier:
        barrier.wait(120)   # every stream logged in: FETCH all at once
    t0 = time.monotonic()
    s.sendall(b'a3 UID FETCH 1:* BODY.PEEK[]\r\n')
    nbytes, msgs = read_tagged(b'a3')
    t1 = time.monotonic()
    s.sendall(b'a4 LOGOUT\r\n')
    s.close()
    return nbytes, (t0, t1), msgs


def fetch_point(address, users, password):
    """Fetches every mailbox in `users` at once (one connection each, logged in
    first); MB/s overall from the first FETCH sent to the last completed."""
    results = [None] * len(users)
    barrier = threading.Barrier(len(users))

    def run(i, u):
        results[i] = fetch_stream(address, u, password, barrier)
    threads = [threading.Thread(target=run, args=(i, u), daemon=True) for i, u in enumerate(users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    if any(r is None for r in results):
        raise RuntimeError('a FETCH stream failed')
    total = sum(r[0] for r in results)
    dt = max(r[1][1] for r in results) - min(r[1][0] for r in results)
    return total / dt / 1e6, total, sum(r[2] for r in results)


def fetch_source_main(port_file, nmsgs, msg):
    """A null IMAP server over TLS that answers FETCH with `nmsgs` copies of msg: the
    client's own FETCH ceiling."""
    d = os.path.dirname(port_file)
    cert, key = os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
                    '-subj', '/CN=localhost', '-keyout', key, '-out', cert],
                   check=True, capture_output=True, timeout=60)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    lsock = socket.create_server(('127.0.0.1', 0))
    with open(port_file + '.tmp', 'w') as f:
        f.write(str(lsock.getsockname()[1]))
    os.rename(port_file + '.tmp', port_file)
    response = b''.join(b'* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n' % (i, i, len(msg), msg)
                        for i in range(1, nmsgs + 1))

    def serve(conn):
        try:
            c = ctx.wrap_socket(conn, server_side=True)
            c.sendall(b'* OK null\r\n')
            f = c.makefile('rb')
            for line in f:
                tag = line.split(b' ', 1)[0]
                if b'FETCH' in line.upper():
                    c.sendall(response)
                c.sendall(tag + b' OK done\r\n')
                if b'LOGOUT' in line.upper():
                    break
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()
    lsock.settimeout(3600)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


# ---------------------------------------------------------------------------
# (c) idle connections

async def idle_connections(address, users, n, password, batch=50, timeout=300):
    """Opens n connections (implicit TLS), LOGIN + SELECT INBOX on each. Returns the
    list of (reader, writer) kept open."""
    host, port = loftlib.split_hostport(address)
    ctx = loftlib.client_tls_context()
    conns = []
    sem = asyncio.Semaphore(batch)

    async def one(i):
        async with sem:
            r, w = await asyncio.open_connection(host, port, ssl=ctx)
            await r.readline()
            user = users[i % len(users)]
            for tag, cmd in ((b'a1', b'LOGIN %s %s' % (user.encode(), password.encode())),
                             (b'a2', b'SELECT INBOX')):
                w.write(tag + b' ' + cmd + b'\r\n')
                while True:
                    line = await r.readline()
                    if not line:
                        raise ConnectionError('closed during %r' % cmd)
                    if line.startswith(tag + b' '):
                        if not line.startswith(tag + b' OK'):
                            raise loftlib.ProtocolError(line.decode('latin-1'))
                        break
            conns.append((r, w))
    await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(n))), timeout)
    return conns


def memory_point(server, users, n, password, settle=3.0):
    """(PSS KiB per connection, RSS KiB per connection, baseline PSS KiB, processes)."""
    async def run():
        await asyncio.sleep(settle)
        base_rss, base_pss = server.memory_kib()
        conns = await idle_connections(server.imap_implicit, users, n, password)
        try:
            await asyncio.sleep(settle)
            rss, pss = server.memory_kib()
            nproc = len(server.pids())
        finally:
            for _, w in conns:
                w.write(b'z LOGOUT\r\n')
                w.close()
            await asyncio.gather(*(w.wait_closed() for _, w in conns), return_exceptions=True)
        return (pss - base_pss) / n, (rss - base_rss) / n, base_pss, nproc
    return asyncio.run(run())


# ---------------------------------------------------------------------------


def start_helper(kind, *args):
    d = tempfile.mkdtemp(prefix='loft-bench-helper-')
    port_file = os.path.join(d, 'port')
    p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--helper', kind, port_file]
                         + [str(a) for a in args], stdin=subprocess.DEVNULL)
    loftlib.wait_until(lambda: os.path.exists(port_file), 60, 'helper %s' % kind)
    with open(port_file) as f:
        return p, d, '127.0.0.1:%s' % f.read().strip()


def stop_helper(p, d):
    p.kill()
    p.wait(10)
    shutil.rmtree(d, ignore_errors=True)


def machine_info():
    cpu = 'unknown'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    fs = subprocess.run(['df', '-T', tempfile.gettempdir()], capture_output=True,
                        text=True).stdout.splitlines()[-1].split()[1]
    mem = os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30
    return '%d cores (%s), %.0f GiB RAM, kernel %s, temp dir on %s' % (
        os.cpu_count(), cpu, mem, platform.release(), fs)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n)
    if hard != resource.RLIM_INFINITY and want > hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def med(xs):
    return statistics.median(xs) if xs else float('nan')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--quick', action='store_true', help='small counts, one repetition')
    ap.add_argument('--reps', type=int, help='repetitions (median reported); default 3 (1 quick)')
    ap.add_argument('--servers', default='loft,dovecot', help='comma list: loft,dovecot')
    ap.add_argument('--messages', type=int, help='messages per LMTP point (default 1000)')
    ap.add_argument('--point-seconds', type=float, default=60, help='time bound per LMTP point')
    ap.add_argument('--fetch-messages', type=int,
                    help='messages per mailbox before FETCH (default 5000; 500 quick)')
    ap.add_argument('--idle', type=int, help='idle connections for (c) (default 2000)')
    ap.add_argument('--concurrency', default='1,4,16')
    ap.add_argument('--loftd', help='loftd binary (default $LOFTD or build/server/loftd)')
    ap.add_argument('--loftctl', help='loftctl binary (default $LOFTCTL or build/tools/loftctl)')
    ap.add_argument('--no-ceiling', action='store_true', help='skip the client ceiling runs')
    ap.add_argument('--json', help='write every sample to this file')
    ap.add_argument('--helper', nargs='+', help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.helper:
        if a.helper[0] == 'fetch-source':
            fetch_source_main(a.helper[1], int(a.helper[2]), make_message())
        return 0

    reps = a.reps or (1 if a.quick else 3)
    per_point = a.messages or (150 if a.quick else 1000)
    idle_n = a.idle or (200 if a.quick else 2000)
    concs = [int(c) for c in a.concurrency.split(',')]
    servers_wanted = [s.strip() for s in a.servers.split(',') if s.strip()]
    if a.loftd:
        os.environ['LOFTD'] = os.path.abspath(a.loftd)
    if a.loftctl:
        os.environ['LOFTCTL'] = os.path.abspath(a.loftctl)
    raise_nofile(idle_n * 2 + 1000)
    msg = make_message()
    wire = loftlib.dot_stuff(msg)
    idle_users = ['m%d' % i for i in range(20)]

    info = machine_info()
    print('machine:', info, flush=True)
    samples = {}   # (server, metric) -> [values]

    def add(server, metric, value):
        samples.setdefault((server, metric), []).append(value)
        print('  %-8s %-26s %10.1f' % (server, metric, value), flush=True)

    servers = {}
    delivered = {}
    fill_target = a.fetch_messages or (500 if a.quick else 5000)
    try:
        for name in servers_wanted:
            if name == 'loft':
                # Every benchmark client comes from 127.0.0.1: lift the per-address cap.
                s = loftlib.LoftServer(limits=['max_connections_per_address = %d' % (idle_n + 1000)])
            elif name == 'dovecot':
                s = loftlib.DovecotServer(max_connections=idle_n + 100)
            else:
                raise SystemExit('unknown server %r' % name)
            s.start()
            for u in FETCH_USERS + idle_users:
                s.add_user(u, PASSWORD)
            servers[name] = s
            print('%s started (%s)' % (name, s.dir), flush=True)

        for rep in range(reps):
            print('repetition %d/%d' % (rep + 1, reps), flush=True)
            for name, s in servers.items():
                for c in concs:
                    rate, done, errors, ccpu, scpu = lmtp_point(s.lmtp, c, per_point,
                                                                 a.point_seconds, wire, s)
                    if errors:
                        print('  %s: %d LMTP errors at c=%d' % (name, errors, c), flush=True)
                    add(name, 'lmtp msg/s c=%d' % c, rate)
                    delivered[name] = delivered.get(name, 0) + done
                    if c == max(concs):
                        add(name, 'lmtp server CPU ms/msg c=%d' % c, scpu * 1000)
                        add(name, 'lmtp client CPU ms/msg c=%d' % c, ccpu * 1000)

        # Same mailbox size on both servers before FETCH (time bounds may have cut
        # the slower server's LMTP points short).
        target = max([fill_target] + list(delivered.values()))
        for name, s in servers.items():
            missing = target - delivered.get(name, 0)
            if missing > 0:
                print('  %s: delivering %d more messages for FETCH' % (name, missing), flush=True)
                delivered[name] = delivered.get(name, 0) + lmtp_point(s.lmtp, 16, missing,
                                                                      900, wire)[1]
        total_msgs = None
        for rep in range(reps):
            for name, s in servers.items():
                s0 = cpu_seconds(s.pids())
                mbs, nbytes, n = fetch_point(s.imap_implicit, FETCH_USERS, PASSWORD)
                total_msgs = n
                add(name, 'fetch MB/s (%d mailboxes)' % len(FETCH_USERS), mbs)
                add(name, 'fetch server CPU s/GB', (cpu_seconds(s.pids()) - s0) / nbytes * 1e9)
        if not a.no_ceiling and total_msgs:
            p, d, addr = start_helper('fetch-source', total_msgs // len(FETCH_USERS))
            try:
                mbs, _, _ = fetch_point(addr, FETCH_USERS, PASSWORD)
                add('client', 'ceiling fetch MB/s', mbs)
            finally:
                stop_helper(p, d)

        # Once per server: a second pass on the same process reuses memory the
        # allocator kept from the first and reads lower.
        for name, s in servers.items():
            pss, rss, base, nproc = memory_point(s, idle_users, idle_n, PASSWORD)
            add(name, 'idle PSS KiB/conn', pss)
            add(name, 'idle RSS KiB/conn', rss)
            add(name, 'baseline PSS MiB', base / 1024)
            add(name, 'processes', nproc)
    finally:
        for s in servers.values():
            try:
                s.stop()
            finally:
                s.cleanup()

    # Report
    metrics = []
    for (_, m) in samples:
        if m not in metrics:
            metrics.append(m)
    print()
    print('machine: %s' % info)
    print('per point: %d messages (3 recipients, %d bytes), %d reps, %d idle connections, '
          'FETCH of %s messages per mailbox' % (per_point, len(msg), reps, idle_n, delivered))
    print('%-32s %12s %12s %10s' % ('metric (median)', 'loft', 'dovecot', 'loft/dov'))
    for m in metrics:
        if ('client', m) in samples:
            continue
        lv = med(samples.get(('loft', m), []))
        dv = med(samples.get(('dovecot', m), []))
        ratio = lv / dv if dv and dv == dv and lv == lv else float('nan')
        print('%-32s %12.1f %12.1f %10.2f' % (m, lv, dv, ratio))
    for m in metrics:
        if ('client', m) in samples:
            print('load generator: %s = %.1f' % (m, med(samples[('client', m)])))
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': info, 'per_point': per_point, 'reps': reps, 'idle': idle_n,
                       'samples': {'%s|%s' % k: v for k, v in samples.items()}}, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())

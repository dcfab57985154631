#!/usr/bin/env python3
"""Connection core: TLS handshakes/s (new and resumed) and LMTP deliveries/s,
loftd with loops=1 and loops=2 against a private Dovecot, in the same run:
its best configuration (mdbox, high-performance process model, mail_fsync =
optimized, `dovecot-mdbox-hp`), then syncing every write as loftd does
(`dovecot-mdbox-hp-fsync`) and a default-like Maildir (`dovecot-maildir`).

- `tls new` / `tls resumed`: implicit-TLS IMAP connections per second, --procs
  client processes for --seconds each; a connection is: TCP connect, TLS
  handshake, read the greeting (which also delivers TLS 1.3 tickets), close.
  Resumed connections offer the session of the previous connection
  (`session=`); the share that really resumed is reported next to the rate,
  with the server's CPU per connection (all its processes, from /proc).
- `lmtp msg/s`: Postfix's smtp-source (-L: LMTP) with --lmtp-sessions parallel
  connections kept open (-d), --messages messages of 4 KiB to one recipient.
Medians of --reps runs. Needs root for Dovecot (see README.md).

  python3 tools/bench/bench_core.py                 # about 12 minutes
  python3 tools/bench/bench_core.py --reps 1 --seconds 2 --messages 300
"""

import argparse
import multiprocessing
import os
import socket
import ssl
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'e2e'))
import loftlib  # noqa: E402

SMTP_SOURCE = '/usr/sbin/smtp-source'
USER, PASSWORD = 'bench', 'bench-password'


def one_connection(host, port, ctx, session):
    with socket.create_connection((host, port), timeout=30) as raw:
        s = ctx.wrap_socket(raw, session=session)
        buf = b''
        while b'\r\n' not in buf:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError('closed before the greeting')
            buf += chunk
        reused, sess = s.session_reused, s.session
        s.close()
        return reused, sess


def tls_client(address, version, resume, seconds, out):
    host, port = loftlib.split_hostport(address)
    ctx = loftlib.client_tls_context()
    ctx.minimum_version = ctx.maximum_version = version
    session = None
    done = reused = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        r, sess = one_connection(host, port, ctx, session if resume else None)
        if resume:
            session = sess
        done += 1
        reused += 1 if r else 0
    out.put((done, reused))


def cpu_seconds(pids):
    """utime+stime (plus reaped children's) in seconds summed over pids."""
    total = 0
    for p in pids:
        try:
            with open('/proc/%d/stat' % p) as f:
                st = f.read()
            total += sum(int(x) for x in st[st.rfind(')') + 2:].split()[11:15])
        except (OSError, ValueError):
            pass
    return total / os.sysconf('SC_CLK_TCK')


def tls_rate(address, version, resume, seconds, procs, server):
    """(connections/s over all processes, share of resumed handshakes, server
    CPU ms per connection: steadier than the rate on a shared machine)."""
    pids = server.pids()
    cpu0 = cpu_seconds(pids)
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=tls_client, args=(address, version, resume, seconds, q))
          for _ in range(procs)]
    t0 = time.monotonic()
    for p in ps:
        p.start()
    results = [q.get(timeout=seconds + 120) for _ in ps]
    for p in ps:
        p.join(30)
    elapsed = time.monotonic() - t0
    done = sum(r[0] for r in results)
    cpu_ms = 1000 * (cpu_seconds(pids) - cpu0) / max(done, 1)
    return done / elapsed, sum(r[1] for r in results) / max(done, 1), cpu_ms


def lmtp_rate(address, messages, sessions):
    host, port = loftlib.split_hostport(address)
    cmd = [SMTP_SOURCE, '-L', '-d', '-s', str(sessions), '-m', str(messages), '-l', '4096',
           '-f', 'sender@example.com', '-t', '%s@example.org' % USER, '%s:%d' % (host, port)]
    t0 = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, timeout=600)
    return messages / (time.monotonic() - t0), ' '.join(cmd)


def start_loft(loops):
    s = loftlib.LoftServer()
    with open(s.config) as f:
        text = f.read()
    with open(s.config, 'w') as f:
        f.write('loops = %d\n' % loops + text)
    s.start()
    s.add_user(USER, PASSWORD)
    return s


def start_dovecot(profile):
    s = loftlib.dovecot_profile(profile, max_connections=200)
    s.start()
    s.add_user(USER, PASSWORD)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--seconds', type=float, default=5.0)
    ap.add_argument('--procs', type=int, default=4)
    ap.add_argument('--messages', type=int, default=2000)
    ap.add_argument('--lmtp-sessions', type=int, default=8)
    ap.add_argument('--servers', default='loft1,loft2,dovecot-mdbox-hp,dovecot-mdbox-hp-fsync,dovecot-maildir',
                    help='loftN (loops = N) or dovecot-PROFILE (loftlib.DOVECOT_PROFILES)')
    args = ap.parse_args()
    versions = [('TLSv1.3', ssl.TLSVersion.TLSv1_3), ('TLSv1.2', ssl.TLSVersion.TLSv1_2)]
    rows = []
    for name in args.servers.split(','):
        if name.startswith('dovecot-'):
            server = start_dovecot(name[len('dovecot-'):])
        else:
            server = start_loft(int(name[len('loft'):]))
        try:
            for vname, version in versions:
                for resume in (False, True):
                    samples = [tls_rate(server.imap_implicit, version, resume, args.seconds, args.procs, server)
                               for _ in range(args.reps)]
                    rate = statistics.median(s[0] for s in samples)
                    share = statistics.median(s[1] for s in samples)
                    cpu = statistics.median(s[2] for s in samples)
                    metric = 'tls %s %s conn/s' % (vname, 'resumed' if resume else 'new')
                    rows.append((name, metric, rate, share, [round(s[0]) for s in samples]))
                    print('%-8s %-28s %8.0f  reused=%3.0f%%  server CPU %.2f ms/conn  %s'
                          % (name, metric, rate, 100 * share, cpu, rows[-1][4]), flush=True)
            samples = []
            for _ in range(args.reps):
                rate, cmd = lmtp_rate(server.lmtp, args.messages, args.lmtp_sessions)
                samples.append(rate)
            rows.append((name, 'lmtp msg/s', statistics.median(samples), None, [round(x) for x in samples]))
            print('%-8s %-28s %8.0f  %s' % (name, 'lmtp msg/s', rows[-1][2], rows[-1][4]), flush=True)
            print('         (%s)' % cmd, flush=True)
        finally:
            server.stop()
            server.cleanup()


if __name__ == '__main__':
    main()

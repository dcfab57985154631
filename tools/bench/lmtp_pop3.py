#!/usr/bin/env python3
"""LMTP and POP3, Loft against Dovecot profiles in the same run (issue 9).

LMTP rows (pipelined MAIL/RCPT/DATA, as Postfix does): 4 KiB messages with one
recipient each, spread round-robin over 50 accounts, at each --concurrency; the
same with three recipients per message at the highest concurrency; 10 MiB
messages with one recipient at 4 connections. Each row: messages/s, server CPU
ms per message (all the server's processes, /proc), peak server RSS (summed over
its processes, sampled every 20 ms). POP3: sessions/s of USER/PASS, STAT, RETR
of every message of a 100-message maildrop and QUIT over implicit TLS,
--pop3-conc sessions at once, each on its own maildrop (argon2id passwords on both servers).
Medians of --reps repetitions, ratios Loft / each Dovecot profile.

  python3 tools/bench/lmtp_pop3.py --reps 3 --messages 400 \\
      --profiles mdbox-hp,mdbox-hp-fsync,maildir
"""

import argparse
import os
import poplib
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'e2e'))
import bench  # noqa: E402 - make_message, cpu_seconds, med
import loftlib  # noqa: E402

ACCOUNTS = ['a%02d' % i for i in range(50)]
POP_USERS = ['pop%d' % i for i in range(16)]  # one maildrop per concurrent session
PASSWORD = 'bench-password'


def lmtp_point(server, conc, count, seconds, wire, rcpts):
    """Up to count messages over conc connections within seconds; message i goes
    to rcpts(i). Returns (msg/s, done, errors, server CPU ms/msg, peak RSS MiB)."""
    lock = threading.Lock()
    state = {'next': 0, 'done': 0, 'errors': 0}
    go = threading.Event()
    deadline = [0.0]

    def worker():
        c = loftlib.LMTPClient(server.lmtp, timeout=120)
        go.wait()
        try:
            while True:
                with lock:
                    if state['next'] >= count or time.monotonic() > deadline[0]:
                        break
                    i = state['next']
                    state['next'] += 1
                to = ['%s@example.org' % u for u in rcpts(i)]
                _, _, dr = c.transaction('bench@example.com', to, wire, pipelined=True)
                ok = len(dr) == len(to) and all(code == 250 for code, _ in dr.values())
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
    time.sleep(0.3)
    rss = loftlib.RssSampler(server=server, interval=0.02)
    rss.start()
    cpu0, t0 = bench.cpu_seconds(server.pids()), time.monotonic()
    deadline[0] = t0 + seconds
    go.set()
    for t in threads:
        t.join(seconds + 300)
    dt = time.monotonic() - t0
    cpu = bench.cpu_seconds(server.pids()) - cpu0
    rss.stopped.set()
    rss.join()
    done = max(state['done'], 1)
    return state['done'] / dt, state['done'], state['errors'], cpu / done * 1000, rss.peak / 1024


def pop3_point(server, sessions, conc, expect):
    """sessions POP3 sessions (conc at once, worker k on maildrop pop<k>: one POP3
    session per maildrop at a time, RFC 1939 §8 and Loft's [IN-USE]) each
    RETRieving all `expect` messages. Returns (sessions/s, server CPU
    ms/session, errors)."""
    host, port = loftlib.split_hostport(server.pop3_tls)
    lock = threading.Lock()
    state = {'next': 0, 'done': 0, 'errors': 0}

    def worker(user):
        while True:
            with lock:
                if state['next'] >= sessions:
                    return
                state['next'] += 1
            try:
                p = poplib.POP3_SSL(host, port, context=loftlib.client_tls_context(), timeout=60)
                p.user(user)
                p.pass_(PASSWORD)
                n, _ = p.stat()
                for i in range(1, n + 1):
                    p.retr(i)
                p.quit()
                ok = n == expect
            except (OSError, poplib.error_proto):
                ok = False
            with lock:
                state['done' if ok else 'errors'] += 1

    cpu0, t0 = bench.cpu_seconds(server.pids()), time.monotonic()
    threads = [threading.Thread(target=worker, args=(POP_USERS[k],), daemon=True)
               for k in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    dt = time.monotonic() - t0
    cpu = bench.cpu_seconds(server.pids()) - cpu0
    return state['done'] / dt, cpu / max(state['done'], 1) * 1000, state['errors']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--messages', type=int, default=400, help='4 KiB messages per LMTP point')
    ap.add_argument('--seconds', type=float, default=20, help='time bound per LMTP point')
    ap.add_argument('--concurrency', default='1,4,16')
    ap.add_argument('--big', type=int, default=6, help='10 MiB messages per point (0: none)')
    ap.add_argument('--profiles', default='mdbox-hp,mdbox-hp-fsync,maildir',
                    help='Dovecot profiles (loftlib.DOVECOT_PROFILES)')
    ap.add_argument('--pop3-sessions', type=int, default=20)
    ap.add_argument('--pop3-conc', type=int, default=4)
    a = ap.parse_args()
    concs = [int(x) for x in a.concurrency.split(',')]
    small = loftlib.dot_stuff(bench.make_message(4096))
    big = loftlib.dot_stuff(bench.make_message(10 << 20))
    one = lambda i: [ACCOUNTS[i % 50]]  # noqa: E731
    three = lambda i: [ACCOUNTS[i % 50], ACCOUNTS[(i + 17) % 50], ACCOUNTS[(i + 34) % 50]]  # noqa: E731
    servers = {}
    samples = {}

    def add(name, metric, value):
        samples.setdefault((name, metric), []).append(value)
        print('  %-28s %-30s %10.2f' % (name, metric, value), flush=True)

    try:
        s = loftlib.LoftServer(extra_listeners=loftlib.POP3_LISTENERS,
                               limits=['max_connections_per_address = 1000'])
        s.start()
        s.pop3_tls = s.listener('pop3', 'implicit')
        servers['loft'] = s
        for prof in [p for p in a.profiles.split(',') if p]:
            d = loftlib.dovecot_profile(prof, max_connections=200)
            d.start()
            servers[d.label] = d
        for name, srv in servers.items():
            pop_users = POP_USERS[:a.pop3_conc]
            for u in ACCOUNTS + pop_users:
                srv.add_user(u, PASSWORD)
            c = loftlib.LMTPClient(srv.lmtp)
            for i in range(100):  # the POP3 maildrops
                to = ['%s@example.org' % u for u in pop_users]
                _, _, dr = c.transaction('bench@example.com', to, small, pipelined=True)
                assert all(code == 250 for code, _ in dr.values()), dr
            c.quit()
            print('%s started (%s)' % (name, srv.dir), flush=True)

        rows = [('4KiB 1rcpt c=%d' % c, c, a.messages, small, one) for c in concs]
        rows.append(('4KiB 3rcpt c=%d' % max(concs), max(concs), a.messages, small, three))
        if a.big:
            rows.append(('10MiB 1rcpt c=4', 4, a.big, big, one))
        for rep in range(a.reps):
            print('repetition %d/%d' % (rep + 1, a.reps), flush=True)
            for name, srv in servers.items():
                for label, conc, count, wire, rcpts in rows:
                    rate, done, errors, cpu, rss = lmtp_point(srv, conc, count, a.seconds, wire, rcpts)
                    if errors:
                        print('  %s: %d errors in %s' % (name, errors, label), flush=True)
                    add(name, 'lmtp %s msg/s' % label, rate)
                    add(name, 'lmtp %s CPU ms/msg' % label, cpu)
                    add(name, 'lmtp %s RSS MiB' % label, rss)
                rate, cpu, errors = pop3_point(srv, a.pop3_sessions, a.pop3_conc, 100)
                if errors:
                    print('  %s: %d POP3 errors' % (name, errors), flush=True)
                add(name, 'pop3 sessions/s (100 RETR)', rate)
                add(name, 'pop3 CPU ms/session', cpu)
    finally:
        for srv in servers.values():
            try:
                srv.stop()
            finally:
                srv.cleanup()

    names = list(servers)
    metrics = []
    for (_, m) in samples:
        if m not in metrics:
            metrics.append(m)
    print('\nmedians of %d reps; %d x 4 KiB per point (bound %gs), %d x 10 MiB' %
          (a.reps, a.messages, a.seconds, a.big))
    print('| metric | ' + ' | '.join(names) + ' | ' +
          ' | '.join('loft/%s' % n.replace('dovecot ', '') for n in names[1:]) + ' |')
    for m in metrics:
        vals = [bench.med(samples.get((n, m), [])) for n in names]
        ratios = ['%.2f' % (vals[0] / v) if v else 'n/a' for v in vals[1:]]
        print('| %s | %s | %s |' % (m, ' | '.join('%.1f' % v for v in vals), ' | '.join(ratios)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

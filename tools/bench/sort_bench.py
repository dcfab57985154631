#!/usr/bin/env python3
"""SORT and THREAD on a large mailbox, Loft against a private Dovecot (mdbox,
high-performance profile, fsync off), in the same run.

Delivers N small generated messages (default 100,000: a few header fields,
threads of 1-6 messages with Message-ID / In-Reply-To / References, "Re:"
subjects, 40 senders, dates over two years in several zones, a short body)
by pipelined APPEND to both, then times SORT (ARRIVAL),
(DATE), (SUBJECT), (FROM) and THREAD REFERENCES: the first run (cold for
Loft: headers read from the store) and the best of 3, with the server CPU
seconds per command (first run). Prints one line per command.

With --body-bytes B each body is padded with about B bytes of words, as
real mail is larger than these test messages: SORT then shows what reading
a body's header would cost (Loft keeps the sort fields with the structure).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/sort_bench.py [N] [--body-bytes B]
"""

import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'e2e'))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from bench_core import cpu_seconds  # noqa: E402
from test_dovecot_diff import ImapRaw, SENDER  # noqa: E402

WORDS = ('budget meeting report schedule release server mail index draft review plan offsite invoice '
         'travel hiring roadmap outage backup migration quarterly update').split()
ZONES = ['+0000', '-0500', '+0100', '+0900', '-0800', '+0530']
COMMANDS = ['SORT (ARRIVAL) UTF-8 ALL', 'SORT (DATE) UTF-8 ALL', 'SORT (SUBJECT) UTF-8 ALL',
            'SORT (FROM) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL']


def messages(n, rnd):
    out, i, base = [], 0, 1672531200  # 2023-01-01
    while len(out) < n:
        subject = ' '.join(rnd.choice(WORDS) for _ in range(rnd.randrange(2, 6)))
        ids = []
        for k in range(rnd.randrange(1, 7)):
            if len(out) >= n:
                break
            mid = '<%d.%d@bench.example>' % (i, k)
            t = base + rnd.randrange(0, 2 * 365 * 86400)
            zone = rnd.choice(ZONES)
            date = time.strftime('%a, %d %b %Y %H:%M:%S ', time.gmtime(t)) + zone
            refs = ('In-Reply-To: %s\r\nReferences: %s\r\n' % (ids[-1], ' '.join(ids[-5:]))) if ids else ''
            sender = rnd.randrange(40)
            out.append(('From: Person %d <p%d@example.org>\r\nTo: alice@example.org\r\nSubject: %s%s\r\n'
                        'Date: %s\r\nMessage-ID: %s\r\n%s\r\n%s\r\n'
                        % (sender, sender, 'Re: ' if ids else '', subject, date, mid, refs,
                           ' '.join(rnd.choice(WORDS) for _ in range(30)))).encode())
            ids.append(mid)
        i += 1
    return out


def deliver(srv, msgs, batch=200):
    """Pipelined APPEND with LITERAL+ (RFC 7888): batch commands sent before
    their replies are read; Dovecot's LMTP took 23 ms a message here."""
    c = ImapRaw(srv.imap_implicit)
    c.login('alice', 'alice-secret')
    for start in range(0, len(msgs), batch):
        part = msgs[start:start + batch]
        out = b''.join(b'a%d APPEND INBOX {%d+}\r\n%s\r\n' % (start + k, len(raw), raw)
                       for k, raw in enumerate(part))
        c.sock.sendall(out)
        done = 0
        while done < len(part):
            r = c.response()
            if r.startswith(b'a'):
                assert r.split()[1] == b'OK', r
                done += 1
    c.close()


def main():
    args = sys.argv[1:]
    pad = 0
    if '--body-bytes' in args:
        i = args.index('--body-bytes')
        pad = int(args[i + 1])
        del args[i:i + 2]
    n = int(args[0]) if args else 100000
    msgs = messages(n, random.Random(1))
    if pad:
        rnd = random.Random(2)
        msgs = [m + (' '.join(rnd.choice(WORDS) for _ in range(pad // 7)) + '\r\n').encode() for m in msgs]
    loft = loftlib.LoftServer()
    dove = loftlib.DovecotServer(fsync='never', mail_format='mdbox', high_performance=True)
    servers = {'loft': loft, 'dovecot': dove}
    try:
        for name, srv in servers.items():
            srv.start()
            srv.add_user('alice', 'alice-secret')
            t0 = time.monotonic()
            deliver(srv, msgs)
            print('%s: %d messages delivered in %.1f s' % (name, n, time.monotonic() - t0), flush=True)
        conns = {name: ImapRaw(srv.imap_implicit) for name, srv in servers.items()}
        for c in conns.values():
            c.login('alice', 'alice-secret')
            st, _ = c.cmd('SELECT INBOX')
            assert st == 'OK'
        for cmd in COMMANDS:
            res = {}
            for name, c in conns.items():
                cpu0 = cpu_seconds(servers[name].pids())
                t0 = time.monotonic()
                st, untagged = c.cmd(cmd)
                first = time.monotonic() - t0
                cpu = cpu_seconds(servers[name].pids()) - cpu0
                assert st == 'OK', (name, cmd, st)
                times = [first]
                for _ in range(2):
                    t0 = time.monotonic()
                    c.cmd(cmd)
                    times.append(time.monotonic() - t0)
                res[name] = (first, min(times), cpu, sum(len(u) for u in untagged))
            lf, lb, lc, lbytes = res['loft']
            df, db, dc, dbytes = res['dovecot']
            print('%-30s loft first %6.2f s best %6.2f s cpu %6.2f s | dovecot first %6.2f s best %6.2f s '
                  'cpu %6.2f s | best ratio loft/dovecot %.2f | reply %d / %d bytes'
                  % (cmd, lf, lb, lc, df, db, dc, lb / db if db else 0, lbytes, dbytes), flush=True)
        for c in conns.values():
            c.close()
    finally:
        for srv in servers.values():
            srv.stop()
            srv.cleanup()


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""LIST/LSUB latency on an account with many mailboxes: loftd against a private
Dovecot (Maildir, "/" namespace, the same special-use mailboxes), same run.

Each server gets one account with --mailboxes mailboxes in 20 parents
(big00/box000 ...), created by pipelined CREATEs; then each command below is
sent --reps times on one implicit-TLS connection and the median round trip
(command sent -> tagged reply read) is printed with the number of lines.

    python3 tools/bench/list_bench.py [--mailboxes 2000] [--reps 20] [--servers loft,dovecot]
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'e2e'))
import loftlib  # noqa: E402
from test_mailbox_diff import DOVECOT_NAMESPACE, PASSWORD, Session  # noqa: E402

COMMANDS = ['LIST "" "*"', 'LIST "" "%"', 'LIST "" "big07/%"', 'LSUB "" "*"',
            'LIST "" "*" RETURN (CHILDREN SPECIAL-USE)', 'LIST "" "%s"' % ('%*' * 100 + 'q')]


def run(name, mailboxes, reps):
    if name == 'loft':
        root = os.path.join(HERE, '..', '..', 'build')
        os.environ.setdefault('LOFTD', os.path.join(root, 'server', 'loftd'))
        os.environ.setdefault('LOFTCTL', os.path.join(root, 'tools', 'loftctl'))
        srv = loftlib.LoftServer()
    else:
        srv = loftlib.DovecotServer()
        with open(srv.config, 'a') as f:
            f.write(DOVECOT_NAMESPACE)
    srv.start()
    try:
        srv.add_user('alice', PASSWORD)
        s = Session(srv.imap_implicit, 'alice')
        s.ok('LIST "" "*"')
        for i in range(20):  # parents first: Dovecot does not create them
            s.ok('CREATE big%02d' % i)
        names = ['big%02d/box%04d' % (i % 20, i) for i in range(mailboxes)]
        s.c.send(b''.join(b'b%d CREATE %s\r\n' % (i, n.encode()) for i, n in enumerate(names)))
        s.c.read_until_tagged('b%d' % (mailboxes - 1), max_lines=4 * mailboxes)
        out = {}
        for text in COMMANDS:
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                lines = s.ok(text)
                times.append((time.perf_counter() - t0) * 1000)
            out[text] = (statistics.median(times), len(lines))
        s.close()
        return out
    finally:
        srv.stop()
        srv.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--mailboxes', type=int, default=2000)
    ap.add_argument('--reps', type=int, default=20)
    ap.add_argument('--servers', default='loft,dovecot')
    args = ap.parse_args()
    results = {name: run(name, args.mailboxes, args.reps) for name in args.servers.split(',')}
    for text in COMMANDS:
        cells = ['%s %.2f ms (%d lines)' % (n, r[text][0], r[text][1]) for n, r in results.items()]
        print('%-45s %s' % (text[:45], '  '.join(cells)))


if __name__ == '__main__':
    main()

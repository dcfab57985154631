#!/usr/bin/env python3
"""The large-mailbox operations of a store, Loft against a private Dovecot (mdbox,
high-performance process model, loftlib.DOVECOT_PROFILES) in the same run.

One account per server gets --messages (default 100,000) small messages (one in
three \\Seen, one in ten \\Flagged $Work). Then, over implicit TLS, each row is
timed --reps times, once the server is idle (loftd's indexer has caught up) (wall time from sending the command to its tagged OK, the
client reading every response line) with the server's CPU for it (all its
processes, from /proc, 10 ms ticks):

  SELECT INBOX                        a fresh logged-in connection each time: the
                                      first after a server restart, then again
  UID FETCH 1:* (UID FLAGS)
  FETCH 1:* (FLAGS)
  UID FETCH 1:* (FLAGS) (CHANGEDSINCE m)   after another session changed 10 messages
  UID STORE 1:* +FLAGS (\\Answered)   alternating with -FLAGS, so each changes every message
  EXPUNGE of 10,000                   100 runs of 100 messages spread over the mailbox
                                      (set \\Deleted first, untimed); the mailbox shrinks

and finally 100 sessions that log in and SELECT INBOX: the server's memory (PSS,
summed over its processes) per session, above what it used before they connected.

    python3 tools/bench/mailbox_100k.py                          # about 15 minutes
    python3 tools/bench/mailbox_100k.py --messages 5000 --reps 3 --servers loft
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_flags  # noqa: E402
import imap_load  # noqa: E402
from fetch_flags import USER, RawFetch  # noqa: E402

loftlib = imap_load.loftlib
EXPUNGE_BATCH = 10000


def connect(server, select=True):
    c = RawFetch(server.imap_implicit)
    c.cmd('LOGIN %s "%s"' % (USER, imap_load.PASSWORD))
    c.cmd('ENABLE CONDSTORE')
    if select:
        c.cmd('SELECT INBOX')
    return c


def exists_of(c):
    """EXISTS after a NOOP's updates: the count the connection's view has now."""
    c.s.sendall(b'x STATUS INBOX (MESSAGES HIGHESTMODSEQ)\r\n')
    buf = c.read_until(b'\r\n')
    while b'\r\nx ' not in buf and not buf.startswith(b'x '):
        buf += c.read_until(b'\r\n')
    text = buf.decode('ascii', 'replace')
    messages = int(text.split('MESSAGES ')[1].split()[0].rstrip(')'))
    modseq = int(text.split('HIGHESTMODSEQ ')[1].split()[0].rstrip(')'))
    return messages, modseq


class Row:
    def __init__(self, name):
        self.name, self.seconds, self.cpu, self.lines = name, [], [], 0

    def timed(self, server, c, command, min_lines=0):
        pids = server.pids()
        s0 = imap_load.cpu_seconds(pids)
        dt, _, lines = c.cmd(command)
        self.cpu.append(imap_load.cpu_seconds(pids) - s0)
        self.seconds.append(dt)
        self.lines = lines
        if lines < min_lines:
            raise loftlib.ProtocolError('%s: %d response lines, expected %d or more'
                                        % (command, lines, min_lines))

    def result(self):
        return {'median_ms': statistics.median(self.seconds) * 1000,
                'min_ms': min(self.seconds) * 1000, 'max_ms': max(self.seconds) * 1000,
                'cpu_ms': sum(self.cpu) / len(self.cpu) * 1000, 'lines': self.lines,
                'runs': len(self.seconds)}


def spread_uid_sets(uids, count, runs=100):
    """`runs` UID ranges of count/runs messages each, spread evenly over uids."""
    per = count // runs
    step = len(uids) // runs
    return ','.join('%d:%d' % (uids[i * step], uids[i * step + per - 1]) for i in range(runs))


def uids_of(c):
    c.s.sendall(b'u UID SEARCH ALL\r\n')
    buf = c.read_until(b'\r\n')
    while not (b'\r\nu OK' in buf or buf.startswith(b'u OK')):
        buf += c.read_until(b'\r\n')
    line = [x for x in buf.split(b'\r\n') if x.startswith(b'* SEARCH')][0]
    return [int(x) for x in line.split()[2:]]


def wait_idle(server, limit=1200):
    """Waits (at most `limit` s) until the server uses under 5% of a core over 2 s:
    loftd's full-text indexer catches up on the delivered mail in the background
    first, and Dovecot runs without FTS, so both are measured at rest."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        pids = server.pids()
        c0 = imap_load.cpu_seconds(pids)
        time.sleep(2)
        if imap_load.cpu_seconds(pids) - c0 < 0.1:
            break
    print('  idle after %.0f s' % (time.monotonic() - t0), flush=True)


def measure(server, reps, sessions):
    wait_idle(server)
    # Restarted: the first SELECT finds no index in loftd's memory (Dovecot's
    # index files are still in the page cache, as after any restart).
    server.stop()
    server.start()
    rows = {}

    def row(name):
        return rows.setdefault(name, Row(name))
    for r in range(reps + 1):
        c = connect(server, select=False)
        row('SELECT INBOX, first after a restart' if r == 0 else
            'SELECT INBOX again (new connection)').timed(server, c, 'SELECT INBOX')
        c.close()
    c = connect(server)
    n, _ = exists_of(c)
    c.cmd('UID FETCH 1:* (UID FLAGS)')  # warm the caches once, untimed
    for _ in range(reps):
        row('UID FETCH 1:* (UID FLAGS)').timed(server, c, 'UID FETCH 1:* (UID FLAGS)', n)
        row('FETCH 1:* (FLAGS)').timed(server, c, 'FETCH 1:* (FLAGS)', n)
    other = connect(server)
    uids = uids_of(other)
    for r in range(reps):
        _, modseq = exists_of(c)
        step = len(uids) // 10
        for k in range(10):
            other.cmd('UID STORE %d +FLAGS.SILENT ($Change%d)' % (uids[k * step + r], r))
        c.cmd('NOOP')  # takes the unsolicited FETCH updates before the timed command
        row('UID FETCH 1:* (FLAGS) (CHANGEDSINCE m), 10 changed').timed(
            server, c, 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d)' % modseq, 10)
    other.close()
    for r in range(reps):
        sign = '+' if r % 2 == 0 else '-'
        row('UID STORE 1:* +/-FLAGS (\\Answered)').timed(
            server, c, 'UID STORE 1:* %sFLAGS (\\Answered)' % sign, n)
    for r in range(min(reps, 3)):
        uids = uids_of(c)
        count = min(EXPUNGE_BATCH, len(uids) // 10 // 100 * 100)  # small test runs: a tenth
        c.cmd('UID STORE %s +FLAGS.SILENT (\\Deleted)' % spread_uid_sets(uids, count))
        row('EXPUNGE of a tenth (at most 10,000)').timed(server, c, 'EXPUNGE', count)
    c.cmd('LOGOUT')
    c.close()
    out = {name: r.result() for name, r in rows.items()}
    time.sleep(1)
    _, before = server.memory_kib()
    held = []
    try:
        for _ in range(sessions):
            held.append(connect(server))
        time.sleep(1)
        _, after = server.memory_kib()
    finally:
        for h in held:
            h.close()
    out['memory'] = {'sessions': sessions, 'pss_before_kib': before, 'pss_after_kib': after,
                     'kib_per_session': (after - before) / sessions}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--servers', default='dovecot-mdbox-hp,loft')
    ap.add_argument('--messages', type=int, default=100000)
    ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--sessions', type=int, default=100)
    ap.add_argument('--json', help='write the results to this file')
    a = ap.parse_args()
    imap_load.raise_nofile(4096)
    print('machine:', imap_load.machine_info(), flush=True)
    msgs = fetch_flags.messages(a.messages)

    def run(label, s, stored):
        async def prepare():
            c = await imap_load.Client.connect(s.imap_implicit, timeout=300)
            try:
                assert (await c.cmd('LOGIN %s "%s"' % (USER, imap_load.PASSWORD))).ok
                assert (await c.cmd('SELECT INBOX')).ok
                await fetch_flags.mark(c, stored)
                await c.cmd('LOGOUT')
            finally:
                await c.close()
        asyncio.run(prepare())
        res = measure(s, a.reps, a.sessions)
        print('  %s: %s' % (label, json.dumps(res)), flush=True)
        return res

    results = imap_load.for_each_server(imap_load.server_names(a.servers), [USER], msgs, run,
                                        max_connections=a.sessions + 50)
    labels = list(results)
    names = [k for k in (results[labels[0]] if labels else {}) if k != 'memory']
    rows = []
    for name in names:
        cells = [name]
        for label in labels:
            r = results[label][name]
            cells.append('%.1f (cpu %.1f)' % (r['median_ms'], r['cpu_ms']))
        if len(labels) == 2:
            cells.append('%.2f' % (results[labels[0]][name]['median_ms']
                                   / max(results[labels[1]][name]['median_ms'], 1e-3)))
        rows.append(cells)
    rows.append(['memory per selecting session (KiB PSS)']
                + ['%.0f' % results[label]['memory']['kib_per_session'] for label in labels]
                + (['%.2f' % (results[labels[0]]['memory']['kib_per_session']
                             / max(results[labels[1]]['memory']['kib_per_session'], 1e-3))]
                   if len(labels) == 2 else []))
    print()
    header = ['operation (median ms, server CPU ms)'] + labels
    if len(labels) == 2:
        header.append('%s / %s (above 1: %s is faster)' % (labels[0], labels[1], labels[1]))
    imap_load.print_table(header, rows)
    if a.json:
        with open(a.json, 'w') as f:
            json.dump({'machine': imap_load.machine_info(), 'messages': a.messages,
                       'results': results}, f, indent=1)
    return 0 if results else 1


if __name__ == '__main__':
    sys.exit(main())

#!/usr/bin/env python3
"""Deliveries to one account while another account's large mailbox takes a
UID STORE 1:* (+FLAGS, then -FLAGS) and an EXPUNGE of a tenth of it: the
latency of each delivery (LMTP, one connection, one message every 5 ms,
bounded to 5,000), so a commit waiting behind a big mutation shows as the
worst figure. loftd commits STORE and EXPUNGE in slices
(storage/rocks/slices.h); a binary built with Tuning::slice_messages at its
maximum shows the same workload without them.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/slice_latency.py
    python3 tools/bench/slice_latency.py --messages 5000          # a quick look
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_flags  # noqa: E402
import imap_load  # noqa: E402
import mailbox_100k as mb  # noqa: E402

loftlib = imap_load.loftlib
MAX_DELIVERIES = 5000


def deliver_loop(server, stop, latencies):
    c = loftlib.LMTPClient(server.lmtp)
    try:
        for i in range(MAX_DELIVERIES):
            if stop.is_set():
                break
            wire = loftlib.wire_data(b'Subject: during\r\n\r\nmessage %d\r\n' % i)[0]
            t0 = time.monotonic()
            _, _, data = c.transaction('a@example.org', ['other@example.org'], wire)
            latencies.append((time.monotonic() - t0) * 1000)
            assert [r[0] for r in data.values()] == [250], data
            time.sleep(0.005)
    finally:
        c.quit()


def timed_with_deliveries(server, c, command):
    latencies, stop = [], threading.Event()
    t = threading.Thread(target=deliver_loop, args=(server, stop, latencies))
    t.start()
    time.sleep(0.5)
    dt, _, _ = c.cmd(command)
    time.sleep(0.3)
    stop.set()
    t.join(timeout=120)
    latencies.sort()
    return {'command_ms': dt * 1000, 'deliveries': len(latencies), 'p50_ms': latencies[len(latencies) // 2],
            'p99_ms': latencies[int(len(latencies) * 0.99)], 'max_ms': latencies[-1]}


def run(label, server, stored):
    mb.wait_idle(server)
    server.add_user('other', imap_load.PASSWORD)
    c = mb.connect(server)
    uids = mb.uids_of(c)
    rows = {}
    for command in ('UID STORE 1:* +FLAGS (\\Answered)', 'UID STORE 1:* -FLAGS (\\Answered)'):
        rows[command] = timed_with_deliveries(server, c, command)
    count = min(10000, len(uids) // 10 // 100 * 100)
    c.cmd('UID STORE %s +FLAGS.SILENT (\\Deleted)' % mb.spread_uid_sets(uids, count))
    mb.wait_idle(server, 60)
    rows['EXPUNGE of %d' % count] = timed_with_deliveries(server, c, 'EXPUNGE')
    for name, r in rows.items():
        print('  %-36s %6.0f ms; %d deliveries during: p50 %.1f, p99 %.1f, worst %.1f ms'
              % (name, r['command_ms'], r['deliveries'], r['p50_ms'], r['p99_ms'], r['max_ms']), flush=True)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--messages', type=int, default=100000)
    args = ap.parse_args()
    imap_load.for_each_server(['loft'], [fetch_flags.USER], fetch_flags.messages(args.messages), run)


if __name__ == '__main__':
    main()

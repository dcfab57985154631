#!/usr/bin/env python3
"""SEARCH FUZZY (RFC 6203) against the exact searches beside it, on
fts_bench's generated mailbox (same seed): deliver N messages to a fresh
loftd with its index, wait for the indexer, then per query the median of 5
round trips, loftd's CPU per search and the hits. Loft only (Dovecot has
SEARCH=FUZZY only with an FTS plugin). Run it with two builds to compare
them (docs/performance.md "FUZZY").

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/fuzzy_bench.py [N]
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fts_bench  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with fts_bench.loaded_loft(n) as (srv, words):
        c = fts_bench.ImapRaw(srv.imap_implicit)
        c.login('alice', 'alice-secret')
        c.cmd('SELECT INBOX')
        rare = words['rare']
        queries = ['UID SEARCH BODY "meeting"', 'UID SEARCH FUZZY BODY "meetings"',
                   'UID SEARCH BODY "%s"' % rare, 'UID SEARCH FUZZY BODY "%ss"' % rare,
                   'UID SEARCH TEXT "quarterly release"', 'UID SEARCH FUZZY TEXT "quarterly releases"',
                   'UID SEARCH SUBJECT "budget"', 'UID SEARCH FUZZY SUBJECT "budgets"']
        pid = srv.proc.pid
        for q in queries:
            times, hits, c0 = [], None, fts_bench.cpu_seconds(pid)
            for _ in range(5):
                t1 = time.monotonic()
                st, lines = c.cmd(q)
                times.append(time.monotonic() - t1)
                assert st == 'OK', (q, st)
                hits = sum(len(l.split()) - 2 for l in lines
                           if (l if isinstance(l, str) else l.decode()).startswith('* SEARCH'))
            print('%-44s hits %6d  %8.1f ms (cpu %6.1f ms)'
                  % (q, hits, statistics.median(times) * 1000, (fts_bench.cpu_seconds(pid) - c0) / 5 * 1000),
                  flush=True)


if __name__ == '__main__':
    main()

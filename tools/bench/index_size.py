#!/usr/bin/env python3
"""Index size / mail size of the full-text index on fts_bench's generated
mailbox (same seed, so the same N messages), without fts_bench's delivery-rate
and Dovecot phases: deliver N messages to a fresh loftd with [search]
index = true, wait for the indexer, stop, `loftctl index optimize`, and print
`loftctl index status` (docs/search.md "Sizes and speed"); before that,
`loftctl index rebuild` on the stopped store, timed in messages per CPU
second (the indexer's cost per message). About 40 s for N = 3,000 on the
2-core machine.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/index_size.py [N]
"""

import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fts_bench  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with fts_bench.loaded_loft(n) as (srv, _):
        srv.stop()
        t0, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        r = srv.ctl('index', 'rebuild', '--user', 'alice', timeout=3600)
        assert r.returncode == 0, r.stderr
        cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
        print('rebuild: %.1f s wall, %.1f s CPU, %.0f msg per CPU second'
              % (time.monotonic() - t0, cpu, n / max(cpu, 0.001)), flush=True)
        r = srv.ctl('index', 'optimize')
        assert r.returncode == 0, r.stderr
        print(srv.ctl('index', 'status', '--user', 'alice').stdout.strip(), flush=True)


if __name__ == '__main__':
    main()

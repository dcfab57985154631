#!/usr/bin/env python3
"""Index size / mail size of the full-text index on fts_bench's generated
mailbox (same seed, so the same N messages), without fts_bench's delivery-rate
and Dovecot phases: deliver N messages to a fresh loftd with [search]
index = true, wait for the indexer, stop, `loftctl index optimize`, and print
`loftctl index status` (docs/search.md "Sizes and speed"). About 20 s for
N = 3,000 on the 2-core machine.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/index_size.py [N]
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fts_bench  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    msgs, _ = fts_bench.make_messages(n, random.Random(fts_bench.SEED))
    srv = fts_bench.loft_server(True)
    try:
        srv.start()
        srv.add_user('alice', 'alice-secret')
        fts_bench.deliver(srv, msgs)
        srv.wait_index_caught_up(1, 3600)
        srv.stop()
        r = srv.ctl('index', 'optimize')
        assert r.returncode == 0, r.stderr
        print(srv.ctl('index', 'status', '--user', 'alice').stdout.strip(), flush=True)
    finally:
        srv.stop()
        srv.cleanup()


if __name__ == '__main__':
    main()

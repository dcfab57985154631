#!/usr/bin/env python3
"""Two loftd builds on one loaded store: fts_bench's generated mailbox of N
messages is delivered and indexed once (by $LOFTD), then each binary is
restarted on the same data twice and runs each query (median of 5 after a
warm-up); prints the best median per binary and old/new. Same data, same
minutes: the fairest comparison of two trees on this noisy machine.

    LOFTD=new/loftd LOFTCTL=new/loftctl LOFTD_OLD=old/loftd LOFTD_NEW=new/loftd \
        python3 tools/bench/fts_ab.py N
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fts_bench  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
bins = {'old': os.path.abspath(os.environ['LOFTD_OLD']), 'new': os.path.abspath(os.environ['LOFTD_NEW'])}
with fts_bench.loaded_loft(n) as (srv, words):
    print('loaded', n, flush=True)
    if os.environ.get('AB_WAIT'):  # a file to wait for: start the queries when the machine is quiet
        while not os.path.exists(os.environ['AB_WAIT']):
            time.sleep(5)
    rare, rarer = words['rare'], words['rarer']
    queries = ['UID SEARCH BODY "%s"' % rare, 'UID SEARCH BODY "%s"' % rarer,
               'UID SEARCH BODY "%s"' % rare[1:-1], 'SEARCH TEXT "%s %s"' % (rare, rarer),
               'UID SEARCH BODY "meeting"', 'UID SEARCH BODY "eetin"', 'UID SEARCH CHARSET UTF-8 BODY "отчёт"',
               'UID SEARCH BODY "zz-no-such-word"', 'UID SEARCH SUBJECT "budget"',
               'UID SEARCH FROM "user42@"', 'UID SEARCH FLAGGED', 'UID SEARCH 1:* NOT DELETED']
    res = {}
    for rnd in range(2):
        for name in ('old', 'new'):
            srv.stop()
            srv.loftd = bins[name]
            srv.reset_addresses()
            srv.start()
            c = fts_bench.ImapRaw(srv.imap_implicit)
            c.login('alice', 'alice-secret')
            c.cmd('SELECT INBOX')
            for q in queries:
                c.cmd(q)  # warm
                ts, hits = [], None
                for _ in range(5):
                    t = time.monotonic(); st, lines = c.cmd(q); ts.append(time.monotonic() - t)
                    assert st == 'OK', (q, st)
                    hits = sum(len(l.split()) - 2 for l in lines if (l if isinstance(l, str) else l.decode()).startswith('* SEARCH'))
                res.setdefault(q, {}).setdefault(name, []).append(statistics.median(ts) * 1000)
                res[q].setdefault(name + '_hits', hits)
    for q, r in res.items():
        o, w = min(r['old']), min(r['new'])
        same = 'same' if r['old_hits'] == r['new_hits'] else 'DIFFER'
        print('%-40s hits %6d %s  old %8.1f ms  new %8.1f ms  old/new %5.2f' % (q, r['new_hits'], same, o, w, o / max(w, 0.01)), flush=True)

#!/usr/bin/env python3
"""QRESYNC resync (RFC 7162 §3.2.5) of a large mailbox after a few changes,
Loft against a private Dovecot (mdbox, high-performance, loftlib.DOVECOT_PROFILES)
in the same run.

Each server gets N small messages (default 100,000): loftd by smtp-source over
LMTP (16 sessions), Dovecot by MULTIAPPEND of 1,000 messages per command (its LMTP and single
APPENDs sync every message: ~60/s). A client records UIDVALIDITY and HIGHESTMODSEQ; another session then
makes C changes (default 100: half flag changes, half expunges, spread over
the mailbox). The resync is a fresh logged-in connection sending ENABLE
QRESYNC and SELECT INBOX (QRESYNC (uidvalidity modseq 1:N)); timed from the
ENABLE to SELECT's tagged OK, with the bytes received, the median of R runs
(default 7), and the server CPU per resync (10 ms clock ticks). Rows: qresync
(no other session has INBOX open), qresync-held (another session keeps INBOX
selected), select (a plain SELECT, for what opening the mailbox costs) and full
(SELECT then UID FETCH 1:* (FLAGS), what a client without QRESYNC does).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/qresync_bench.py [N] [C] [R]
"""

import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'tests', 'e2e'))
sys.path.insert(0, HERE)
import loftlib  # noqa: E402
from bench_core import SMTP_SOURCE, cpu_seconds  # noqa: E402
from test_dovecot_diff import ImapRaw  # noqa: E402

USER, PASSWORD = 'bench', 'bench-password'


class Counting(ImapRaw):
    """ImapRaw that counts the bytes it reads."""

    def __init__(self, address):
        self.received = 0
        super().__init__(address)

    def readline(self):
        line = super().readline()
        self.received += len(line)
        return line

    def readexact(self, n):
        data = super().readexact(n)
        self.received += len(data)
        return data


def fill_append(srv, n):
    """MULTIAPPEND (RFC 3502) of 1,000 LITERAL+ messages per command: one
    transaction and one sync each (Dovecot's LMTP and single APPENDs sync
    every message and fill at ~60/s)."""
    c = ImapRaw(srv.imap_implicit)
    c.login(USER, PASSWORD)
    done = 0
    while done < n:
        batch = min(1000, n - done)
        out = [b'p%d APPEND INBOX' % done]
        for i in range(done, done + batch):
            msg = (b'From: s@example.com\r\nTo: %s@example.org\r\nSubject: m%d\r\n\r\n' % (USER.encode(), i)
                   + b'x' * 400 + b'\r\n')
            out.append(b' {%d+}\r\n%s' % (len(msg), msg))
        out.append(b'\r\n')
        c.sock.sendall(b''.join(out))
        for _ in range(100):
            r = c.response()
            if r.startswith(b'p%d ' % done):
                assert r.split()[1] == b'OK', r
                break
        done += batch
    c.close()


def fill(srv, n):
    if srv.name != 'loftd':
        return fill_append(srv, n)
    host, port = loftlib.split_hostport(srv.lmtp)
    cmd = [SMTP_SOURCE, '-L', '-d', '-s', '16', '-m', str(n), '-l', '512',
           '-f', 'sender@example.com', '-t', '%s@example.org' % USER, '%s:%d' % (host, port)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=3600)


def code(lines, name):
    for line in lines:
        m = re.search(rb'\[' + name.encode() + rb' (\d+)\]', line)
        if m:
            return int(m.group(1))
    raise AssertionError('no %s in SELECT' % name)


def change(srv, n, changes):
    c = ImapRaw(srv.imap_implicit)
    c.login(USER, PASSWORD)
    st, lines = c.cmd('SELECT INBOX')
    assert st == 'OK'
    exists = [int(x.split()[1]) for x in lines if x.rstrip().endswith(b'EXISTS')][0]
    assert exists >= n, (exists, n)
    step = n // changes
    flagged = [1 + i * step for i in range(0, changes, 2)]
    doomed = [1 + i * step for i in range(1, changes, 2)]
    assert c.cmd('UID STORE %s +FLAGS.SILENT (\\Flagged)' % ','.join(map(str, flagged)))[0] == 'OK'
    assert c.cmd('UID STORE %s +FLAGS.SILENT (\\Deleted)' % ','.join(map(str, doomed)))[0] == 'OK'
    assert c.cmd('UID EXPUNGE %s' % ','.join(map(str, doomed)))[0] == 'OK'
    c.close()
    return len(flagged), len(doomed)


def resync(srv, uidvalidity, modseq, n, mode):
    c = Counting(srv.imap_implicit)
    c.login(USER, PASSWORD)
    pids = srv.pids()
    cpu0 = cpu_seconds(pids)
    c.received = 0
    t0 = time.monotonic()
    if mode == 'full':
        st, lines = c.cmd('SELECT INBOX')
        assert st == 'OK'
        st, lines = c.cmd('UID FETCH 1:* (FLAGS)')
    elif mode == 'select':
        st, lines = c.cmd('SELECT INBOX')
    else:
        assert c.cmd('ENABLE QRESYNC')[0] == 'OK'
        st, lines = c.cmd('SELECT INBOX (QRESYNC (%d %d 1:%d))' % (uidvalidity, modseq, n))
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(pids) - cpu0
    assert st == 'OK', st
    received = c.received
    vanished = sum(1 for x in lines if x.startswith(b'* VANISHED'))
    fetched = sum(1 for x in lines if b' FETCH ' in x)
    c.close()
    return elapsed * 1000, received, cpu * 1000, vanished, fetched


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    changes = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    servers = [('loftd', loftlib.LoftServer()),
               (loftlib.dovecot_label(**{k: v for k, v in loftlib.DOVECOT_PROFILES['mdbox-hp'].items()
                                          if k != 'password_scheme'}),
                loftlib.dovecot_profile('mdbox-hp'))]
    print('QRESYNC resync of %d messages after %d changes, median of %d' % (n, changes, runs))
    try:
        results = {}
        for label, srv in servers:
            srv.start()
            srv.add_user(USER, PASSWORD)
            t0 = time.monotonic()
            fill(srv, n)
            fill_s = time.monotonic() - t0
            c = ImapRaw(srv.imap_implicit)
            c.login(USER, PASSWORD)
            assert c.cmd('ENABLE QRESYNC')[0] == 'OK'
            st, lines = c.cmd('SELECT INBOX')
            uidvalidity, modseq = code(lines, 'UIDVALIDITY'), code(lines, 'HIGHESTMODSEQ')
            c.close()
            nflag, nexp = change(srv, n, changes)
            rows = {}
            for mode in ('qresync', 'select', 'full'):
                rows[mode] = [resync(srv, uidvalidity, modseq, n, mode) for _ in range(runs)]
            # The same with another session keeping INBOX selected (Loft's index stays loaded).
            keeper = ImapRaw(srv.imap_implicit)
            keeper.login(USER, PASSWORD)
            assert keeper.cmd('SELECT INBOX')[0] == 'OK'
            rows['qresync-held'] = [resync(srv, uidvalidity, modseq, n, 'qresync') for _ in range(runs)]
            keeper.close()
            results[label] = rows
            med = {k: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v),
                       statistics.median(s[2] for s in v)) for k, v in rows.items()}
            q = rows['qresync']
            print('%-36s fill %.0fs | changes: %d flagged, %d expunged; QRESYNC answer: %d VANISHED line(s), %d FETCH'
                  % (label, fill_s, nflag, nexp, q[0][3], q[0][4]))
            for k in ('qresync', 'qresync-held', 'select', 'full'):
                print('    %-13s %8.1f ms %9d bytes  server CPU %6.1f ms' % ((k,) + med[k]))
            sys.stdout.flush()
            srv.stop()
        labels = list(results)
        if len(labels) == 2:
            a, b = (statistics.median(s[0] for s in results[x]['qresync']) for x in labels)
            print('ratio %s / %s (QRESYNC ms): %.2f' % (labels[0], labels[1], a / b))
    finally:
        for _, srv in servers:
            try:
                srv.stop()
            except Exception:  # noqa: BLE001 (already stopped)
                pass
            srv.cleanup()


if __name__ == '__main__':
    main()

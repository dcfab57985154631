#!/usr/bin/env python3
"""SEARCH without an index, Loft against a private Dovecot (Maildir, no FTS).

Delivers N generated messages (default 5,000; multipart/alternative text +
HTML, quoted-printable, a few words from a fixed vocabulary, some with a
base64 attachment) over LMTP to both servers, then times a few searches, best
of 3, and prints one line per search:

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/search_bench.py [N]
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'e2e'))
import loftlib  # noqa: E402
from test_dovecot_diff import ImapRaw, SENDER  # noqa: E402

WORDS = ('alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar '
         'papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu mail server search '
         'index message body header subject report meeting budget schedule').split()


def message(i, rnd):
    subject = ' '.join(rnd.choice(WORDS) for _ in range(5))
    text = '\r\n'.join(' '.join(rnd.choice(WORDS) for _ in range(12)) for _ in range(rnd.randrange(10, 60)))
    boundary = 'b%d' % i
    parts = ['--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n%s\r\n'
             % (boundary, text),
             '--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>%s</p>\r\n' % (boundary, text[:400])]
    if i % 10 == 0:
        blob = ''.join(rnd.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123') for _ in range(57 * 300))
        att = '\r\n'.join(blob[k:k + 76] for k in range(0, len(blob), 76))
        parts.append('--%s\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n%s\r\n'
                     % (boundary, att))
    return ('From: User %d <user%d@example.org>\r\nTo: alice@example.org\r\nSubject: %s\r\n'
            'Date: Mon, %d Jan 2024 10:00:00 +0000\r\nMIME-Version: 1.0\r\n'
            'Content-Type: multipart/mixed; boundary="%s"\r\n\r\n%s--%s--\r\n'
            % (i % 97, i % 97, subject, 1 + i % 28, boundary, ''.join(parts), boundary)).encode()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    rnd = random.Random(1)
    msgs = [message(i, rnd) for i in range(n)]
    loft, dove = loftlib.LoftServer(), loftlib.DovecotServer(fsync='never')
    try:
        for srv in (loft, dove):
            srv.start()
            srv.add_user('alice', 'alice-secret')
            c = loftlib.LMTPClient(srv.lmtp)
            for raw in msgs:
                c.transaction(SENDER, ['alice@example.org'], loftlib.wire_data(raw)[0])
            c.quit()
        conns = {'loft': ImapRaw(loft.imap_implicit), 'dovecot': ImapRaw(dove.imap_implicit)}
        for c in conns.values():
            c.login('alice', 'alice-secret')
            c.cmd('SELECT INBOX')
        total = sum(len(m) for m in msgs)
        print('%d messages, %.1f MB' % (n, total / 1e6))
        for q in ['UNSEEN', 'LARGER 20000', 'SUBJECT "zz-no-such-word"', 'SUBJECT "brav"',
                  'BODY "zz-no-such-word"', 'BODY "yankee zulu"', 'TEXT "zz-no-such-word"']:
            best = {}
            for name, c in conns.items():
                times = []
                for _ in range(3):
                    t0 = time.monotonic()
                    st, _ = c.cmd('SEARCH ' + q)
                    times.append(time.monotonic() - t0)
                    assert st == 'OK', (name, q, st)
                best[name] = min(times) * 1000
            print('%-28s loft %8.1f ms   dovecot %8.1f ms' % (q, best['loft'], best['dovecot']))
    finally:
        loft.stop()
        loft.cleanup()
        dove.stop()
        dove.cleanup()


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""The loop's cache of mailbox indexes (limits.mailbox_cache_mb): when the last
session that had INBOX selected leaves, its index stays in memory and follows
every change, so the next SELECT does not read the mailbox from the store.

Checked with one event loop (all connections share the cache): after a first
SELECT, deliveries, flag changes and expunges happen while nobody has INBOX
selected or while another session does; every later SELECT must answer exactly
what a restarted loftd (reading everything from the store) answers, and the
debug log must show the index read from the store once. With the cache off
(mailbox_cache_mb = 0) every SELECT reads it again.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_mailbox_cache.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'cache-pw'
READ = re.compile(rb'index read from the store')


class Conn(loftlib.RawConn):
    def __init__(self, server):
        super().__init__(server.imap_implicit, tls=True)
        assert self.readline().startswith(b'* OK')
        self.n = 0
        self.ok('LOGIN dora "%s"' % PASSWORD)

    def ok(self, line):
        self.n += 1
        tag = 'c%d' % self.n
        self.send(('%s %s\r\n' % (tag, line)).encode())
        tagged, lines = self.read_until_tagged(tag)
        assert tagged is not None and tagged.startswith(tag.encode() + b' OK'), (line, tagged)
        return lines[:-1]

    def state(self):
        """What a client learns from SELECT and a full flag fetch."""
        sel = self.ok('SELECT INBOX (CONDSTORE)')
        keep = [x for x in sel if re.match(rb'\* (\d+ EXISTS|OK \[(UIDNEXT|UIDVALIDITY|HIGHESTMODSEQ)|FLAGS)', x)]
        fetched = self.ok('FETCH 1:* (UID FLAGS MODSEQ)') if any(b'EXISTS' in x and not x.startswith(b'* 0 ')
                                                                for x in keep) else []
        # \\Recent belongs to one session (RFC 3501 §2.3.2), not to the mailbox
        fetched = [re.sub(rb' ?\\Recent', b'', x).replace(b'FLAGS ( ', b'FLAGS (') for x in fetched]
        return keep, sorted(fetched)


def start(cache_mb):
    s = loftlib.LoftServer(limits=['mailbox_cache_mb = %d' % cache_mb])
    with open(s.config) as f:
        text = f.read()
    # one loop: every connection shares one cache; debug: the index reads are logged
    text = text.replace('log_level = "info"', 'log_level = "debug"\nloops = 1')
    with open(s.config, 'w') as f:
        f.write(text)
    s.start()
    return s


def reads(server):
    with open(server.log_path, 'rb') as f:
        return len(READ.findall(f.read()))


def deliver(server, first, count):
    lmtp = loftlib.LMTPClient(server.lmtp)
    try:
        for i in range(first, first + count):
            msg = b'Subject: cached %d\r\nFrom: a@example.org\r\n\r\nBody %d\r\n' % (i, i)
            _, _, data = lmtp.transaction('a@example.org', ['dora@example.org'], loftlib.wire_data(msg)[0])
            assert [r[0] for r in data.values()] == [250], data
    finally:
        lmtp.close()


class MailboxCacheTest(unittest.TestCase):
    def scenario(self, cache_mb):
        """Returns (states seen during the run, state after a restart, index reads)."""
        s = start(cache_mb)
        try:
            s.add_user('dora', PASSWORD)
            deliver(s, 1, 6)
            states = []
            a = Conn(s)
            states.append(a.state())
            a.ok('LOGOUT')
            a.close()
            # nobody has INBOX selected: new mail reaches the cached index
            deliver(s, 7, 3)
            b = Conn(s)
            states.append(b.state())
            b.ok('STORE 2,4 +FLAGS (\\Flagged $Work)')
            b.ok('STORE 3,5 +FLAGS (\\Deleted)')
            b.ok('EXPUNGE')
            b.ok('LOGOUT')
            b.close()
            c = Conn(s)
            states.append(c.state())
            # a change by a session that has INBOX selected while the index is
            # shared, then everyone leaves
            d = Conn(s)
            d.ok('SELECT INBOX')
            d.ok('STORE 1 +FLAGS (\\Seen)')
            d.ok('STORE 1 -FLAGS (\\Seen)')
            d.ok('STORE 6 +FLAGS (\\Answered)')
            c.ok('LOGOUT')
            d.ok('LOGOUT')
            c.close()
            d.close()
            deliver(s, 10, 1)
            e = Conn(s)
            states.append(e.state())
            e.ok('LOGOUT')
            e.close()
            count = reads(s)
            s.stop()
            s.start()
            f = Conn(s)
            fresh = f.state()
            f.ok('LOGOUT')
            f.close()
            return states, fresh, count
        finally:
            s.stop()
            s.cleanup()

    def test_cached_index_follows_every_change(self):
        states, fresh, count = self.scenario(32)
        self.assertEqual(count, 1, 'the index is read once while it stays cached')
        exists = [next(x for x in st[0] if x.endswith(b'EXISTS')) for st in states]
        self.assertEqual(exists, [b'* 6 EXISTS', b'* 9 EXISTS', b'* 7 EXISTS', b'* 8 EXISTS'])
        # the last SELECT through the cache equals a restarted server's answer
        self.assertEqual(states[-1], fresh)

    def test_without_cache_every_select_reads(self):
        states, fresh, count = self.scenario(0)
        # a, b, c and e each read it, unless a session's teardown after its
        # LOGOUT overlaps the next SELECT (which then shares the live index)
        self.assertGreaterEqual(count, 3)
        self.assertEqual(states[-1], fresh)


if __name__ == '__main__':
    unittest.main()

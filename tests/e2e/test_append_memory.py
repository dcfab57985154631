#!/usr/bin/env python3
"""A 20 MiB APPEND is streamed to the store: loftd's resident size barely
moves while the literal arrives (the parser hands the message out in pieces
and the session holds at most one 64 KiB chunk plus its bounded input queue),
and the stored message reads back byte-exact. Both the synchronising and the
LITERAL+ forms are measured.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_append_memory.py
"""

import hashlib
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

SIZE = 20 << 20
# Holding the message would take at least SIZE (20480 KiB) more. What does
# grow (about 10 MiB, as for a 40 MiB LMTP delivery in test_large_delivery.py)
# is the store's: RocksDB's memtable and block cache, the workers' arenas; on
# a loaded machine it reached 14 MiB once, so the bound is that of
# test_large_delivery.py (holding the message whole grew RSS by 28.8 MiB).
MAX_PEAK_GROWTH_KIB = 16 << 10
CHECK_MEMORY = 'ASAN_OPTIONS' not in os.environ


def message(size, seed):
    """Mail-like text of exactly size bytes."""
    lines, n, total = [b'Subject: large %d\r\n' % seed, b'\r\n'], 0, 0
    total = sum(len(x) for x in lines)
    while total < size:
        line = b'line %d of message %d, some text to make it mail-like\r\n' % (n, seed)
        lines.append(line)
        total += len(line)
        n += 1
    return b''.join(lines)[:size]


class AppendMemoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(max_message_size=SIZE + (1 << 20))
        cls.server.start()
        cls.server.add_user('big', 'big-secret')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def conn(self):
        c = loftlib.RawConn(self.server.imap_starttls, timeout=120)
        self.addCleanup(c.close)
        self.assertTrue(c.readline().startswith(b'* OK'))
        c.send(b'S STARTTLS\r\n')
        self.assertTrue(c.read_until_tagged('S')[0].startswith(b'S OK'))
        c.starttls()
        c.send(b'L LOGIN big big-secret\r\n')
        self.assertTrue(c.read_until_tagged('L')[0].startswith(b'L OK'))
        return c

    def upload(self, sync, seed):
        data = message(SIZE, seed)
        c = self.conn()
        time.sleep(0.3)
        before = loftlib.vm_rss_kib(self.server.proc.pid)
        sampler = loftlib.RssSampler(self.server.proc.pid)
        sampler.start()
        c.send(b'A APPEND INBOX {%d%s}\r\n' % (len(data), b'' if sync else b'+'))
        if sync:
            self.assertTrue(c.readline().startswith(b'+'))
        for i in range(0, len(data), 1 << 20):
            c.send(data[i:i + (1 << 20)])
        c.send(b'\r\n')
        tagged, _ = c.read_until_tagged('A')
        sampler.stopped.set()
        sampler.join()
        self.assertIsNotNone(tagged)
        m = re.match(rb'A OK \[APPENDUID \d+ (\d+)\]', tagged)
        self.assertIsNotNone(m, tagged)
        growth = sampler.peak - before
        loftlib.log('20 MiB APPEND (%s): RSS %d KiB before, peak %d KiB, growth %d KiB'
                    % ('sync' if sync else 'LITERAL+', before, sampler.peak, growth))
        if CHECK_MEMORY:
            self.assertLess(growth, MAX_PEAK_GROWTH_KIB)
        return int(m.group(1)), hashlib.sha256(data).hexdigest()

    def test_1_a_20_mib_append_streams_with_bounded_memory(self):
        stored = [self.upload(True, 1), self.upload(False, 2)]
        m = loftlib.imap_connect(self.server.imap_starttls, 'starttls')
        try:
            self.assertEqual(m.login('big', 'big-secret')[0], 'OK')
            loftlib.select(m)
            for uid, digest in stored:
                got = loftlib.fetch_all(m, '(UID BODY.PEEK[])', str(uid))
                self.assertEqual(hashlib.sha256(got[0]['BODY[]']).hexdigest(), digest)
        finally:
            m.logout()


if __name__ == '__main__':
    unittest.main(verbosity=2)

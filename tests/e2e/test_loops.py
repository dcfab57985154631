#!/usr/bin/env python3
"""Several event loops end to end (`loops = 2`).

- connections are spread over both loops (the log's connect events name the loop);
- a delivery reaches IMAP sessions selected on every loop (the change feed has
  one fan-out per loop): NOOP reports the new message on each;
- `max_connections` holds over all loops together;
- SIGTERM says BYE to the sessions of every loop and loftd exits 0 in time.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_loops.py
"""

import os
import re
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

MAX_CONNECTIONS = 6
SESSIONS = 4


def login_select(server):
    r = loftlib.RawConn(server.imap_implicit, tls=True)
    assert r.readline().startswith(b'* OK')
    r.send(b'l LOGIN alice alice-pw\r\n')
    tagged, _ = r.read_until_tagged('l')
    assert tagged.startswith(b'l OK'), tagged
    r.send(b's SELECT INBOX\r\n')
    tagged, _ = r.read_until_tagged('s')
    assert tagged.startswith(b's OK'), tagged
    return r


class LoopsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(max_line=65536)
        with open(cls.server.config) as f:
            text = f.read()
        text = 'loops = 2\n' + text.replace('[limits]\n', '[limits]\nmax_connections = %d\n' % MAX_CONNECTIONS)
        text += '\n[log.levels]\nserver = "info"\n'
        with open(cls.server.config, 'w') as f:
            f.write(text)
        cls.server.start()
        cls.server.add_user('alice', 'alice-pw')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def connect_loops(self):
        return set(re.findall(r'event=connect protocol=imap loop=(\d+)', self.server.log_tail(100000)))

    def test_1_a_delivery_reaches_sessions_on_every_loop(self):
        sessions = [login_select(self.server) for _ in range(SESSIONS)]
        try:
            self.assertEqual(self.connect_loops(), {'0', '1'})
            lmtp = loftlib.LMTPClient(self.server.lmtp)
            wire, _ = loftlib.wire_data(b'Subject: to every loop\r\n\r\nhello\r\n')
            _, _, data = lmtp.transaction('s@example.org', ['alice@example.org'], wire)
            self.assertEqual(data['alice@example.org'][0], 250)
            lmtp.quit()
            for i, r in enumerate(sessions):
                def sees_it():
                    r.send(b'n NOOP\r\n')
                    tagged, lines = r.read_until_tagged('n')
                    self.assertTrue(tagged.startswith(b'n OK'))
                    return b'* 1 EXISTS' in lines
                loftlib.wait_until(sees_it, 10, 'EXISTS on session %d' % i, interval=0.1)
        finally:
            for r in sessions:
                r.close()

    def test_2_max_connections_holds_over_all_loops(self):
        def open_count():
            m = re.findall(r' event=(connect|disconnect)', self.server.log_tail(100000))
            return m.count('connect') - m.count('disconnect')
        loftlib.wait_until(lambda: open_count() == 0, 10, 'earlier connections to close')
        conns = []
        try:
            # The STARTTLS port: the refusal is a plaintext greeting (on the
            # implicit port an over-limit client only sees the close).
            for _ in range(MAX_CONNECTIONS):
                r = loftlib.RawConn(self.server.imap_starttls)
                self.assertTrue(r.readline().startswith(b'* OK'))
                conns.append(r)
            extra = loftlib.RawConn(self.server.imap_starttls)
            self.assertTrue(extra.readline().startswith(b'* BYE'))
            extra.close()
            conns.pop().close()
            loftlib.wait_until(lambda: open_count() == MAX_CONNECTIONS - 1, 10, 'a slot to free up')
            again = loftlib.RawConn(self.server.imap_starttls)
            self.assertTrue(again.readline().startswith(b'* OK'))
            conns.append(again)
        finally:
            for r in conns:
                r.close()

    def test_3_sigterm_says_bye_on_every_loop(self):
        sessions = [login_select(self.server) for _ in range(SESSIONS)]
        start = time.monotonic()
        self.server.proc.send_signal(signal.SIGTERM)
        for i, r in enumerate(sessions):
            line = r.readline()
            self.assertTrue(line.startswith(b'* BYE'), 'session %d got %r' % (i, line))
        self.assertEqual(self.server.proc.wait(20), 0)
        self.assertLess(time.monotonic() - start, 10)
        for r in sessions:
            r.close()


if __name__ == '__main__':
    unittest.main(verbosity=2)

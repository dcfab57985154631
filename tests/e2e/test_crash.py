#!/usr/bin/env python3
"""Crash safety: 4 concurrent LMTP connections deliver 50 messages each; the server
gets SIGKILL after about 100 acknowledgements. After a restart on the same data
dir, every message acknowledged with 250 for a recipient must be in that
recipient's mailbox byte-exact; unacknowledged ones may be missing but nothing may
be corrupt or duplicated; the restarted server accepts new mail after them."""

import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

CONNECTIONS = 4
PER_CONNECTION = 50
KILL_AFTER_ACKS = 100
USERS = {'alice': 'alice-pw', 'bob': 'bob-pw'}
ID_HEADER = re.compile(rb'^X-Loft-Crash-Id: (\S+)\r\n')


class Deliverer(threading.Thread):
    def __init__(self, server, k, messages, state):
        super().__init__(daemon=True)
        self.server, self.k, self.messages, self.state = server, k, messages, state
        self.error = None

    def run(self):
        try:
            c = loftlib.LMTPClient(self.server.lmtp, timeout=30)
        except Exception as e:  # noqa: BLE001 - record and stop
            self.error = e
            return
        try:
            for i, raw in enumerate(self.messages):
                mid = 'c%d-m%d' % (self.k, i)
                stored = b'X-Loft-Crash-Id: ' + mid.encode() + b'\r\n' + loftlib.normalize_crlf(raw)
                wire = loftlib.dot_stuff(stored)
                with self.state['lock']:
                    self.state['sent'][mid] = stored
                _, _, dr = c.transaction('crash@example.com', list(USERS), wire)
                with self.state['lock']:
                    for user, (code, _) in dr.items():
                        if code == 250:
                            self.state['acked'].setdefault(user, set()).add(mid)
                    if any(code == 250 for code, _ in dr.values()):
                        self.state['acks'] += 1
                if self.state['stop'].is_set():
                    break
        except (OSError, ConnectionError, loftlib.ProtocolError) as e:
            self.error = e  # expected once the server is killed
        finally:
            c.close()


class CrashTest(unittest.TestCase):
    def test_acknowledged_messages_survive_sigkill(self):
        server = loftlib.make_server()
        try:
            self.run_case(server)
        finally:
            server.stop()
            server.cleanup()

    def run_case(self, server):
        server.start()
        for u, p in USERS.items():
            server.add_user(u, p)
        corpus = [raw for _, raw in loftlib.load_corpus(PER_CONNECTION)]
        state = {'lock': threading.Lock(), 'sent': {}, 'acked': {}, 'acks': 0,
                 'stop': threading.Event()}
        threads = [Deliverer(server, k, corpus, state) for k in range(CONNECTIONS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        deadline = t0 + 240
        while time.monotonic() < deadline:
            with state['lock']:
                acks = state['acks']
            if acks >= KILL_AFTER_ACKS or not any(t.is_alive() for t in threads):
                break
            time.sleep(0.005)
        running = sum(t.is_alive() for t in threads)
        server.kill()
        killed_at = time.monotonic() - t0
        state['stop'].set()
        for t in threads:
            t.join(60)
            self.assertFalse(t.is_alive(), 'a delivery thread hung after the kill')
        acked = {u: set(v) for u, v in state['acked'].items()}
        loftlib.log('killed after %.1fs with %d acknowledged messages, %d connections running; '
                    'acked per user: %s' % (killed_at, state['acks'], running,
                                            {u: len(v) for u, v in acked.items()}))
        self.assertGreater(running, 0, 'the kill came after every delivery finished: the test '
                           'proved nothing (server too fast for KILL_AFTER_ACKS?)')

        server.reset_addresses()
        server.start()
        sent = state['sent']
        for user, pw in USERS.items():
            with self.subTest(user=user):
                m = loftlib.imap_connect(server.imap_implicit, 'implicit')
                try:
                    m.login(user, pw)
                    loftlib.select(m)
                    msgs = loftlib.fetch_all(m)
                finally:
                    m.logout()
                seen = {}
                for x in msgs:
                    body = x.get('BODY[]')
                    self.assertIsNotNone(body, 'uid %s has no body' % x.get('UID'))
                    self.assertEqual(x.get('RFC822.SIZE'), len(body))
                    body = server.strip_added(body)
                    mm = ID_HEADER.match(body)
                    self.assertIsNotNone(mm, 'uid %s: not one of ours or corrupt: %r'
                                         % (x.get('UID'), body[:80]))
                    mid = mm.group(1).decode()
                    self.assertIn(mid, sent)
                    self.assertNotIn(mid, seen, 'message %s stored twice' % mid)
                    seen[mid] = x['UID']
                    self.assertEqual(body, server.imap_form(sent[mid]),
                                     'message %s (uid %s) is corrupt' % (mid, x.get('UID')))
                missing = sorted(acked.get(user, set()) - set(seen))
                self.assertEqual(missing, [], '%s: acknowledged but lost' % user)
                loftlib.log('%s: %d acknowledged, %d present after restart'
                            % (user, len(acked.get(user, ())), len(seen)))

        # The recovered store takes new mail, with a UID above everything before.
        c = loftlib.LMTPClient(server.lmtp)
        stored = b'Subject: after the crash\r\n\r\nhello\r\n'
        _, _, dr = c.transaction('crash@example.com', ['alice'], loftlib.dot_stuff(stored))
        c.quit()
        self.assertEqual(dr['alice'][0], 250, dr)
        m = loftlib.imap_connect(server.imap_starttls, 'starttls')
        try:
            m.login('alice', USERS['alice'])
            loftlib.select(m)
            msgs = loftlib.fetch_all(m)
        finally:
            m.logout()
        self.assertEqual(server.strip_added(msgs[-1]['BODY[]']), stored)
        self.assertEqual(msgs[-1]['UID'], max(x['UID'] for x in msgs))
        self.assertTrue(server.alive())


if __name__ == '__main__':
    loftlib.run_unittest('e2e-crash')

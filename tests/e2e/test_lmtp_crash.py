#!/usr/bin/env python3
"""Crash safety of LMTP with large messages (issue 9): four connections
deliver 10 MiB messages to two or three recipients each, two with pipelined
MAIL/RCPT/DATA (RFC 2920) and two fully pipelined with BDAT chunks of 1 MiB
(RFC 3030: commands and chunks are written without waiting for replies).
Once enough transactions are acknowledged and a BDAT chunk of a message still
being received has been acknowledged (so the server holds a half-written
body), loftd gets SIGKILL within milliseconds of a 250 (an answer sent before
its commit was durable would show as a lost message). After a restart on the same data dir:
- `loftctl check` is clean: nothing half-stored, no body left pending by the
  crash (the `pending-bodies` check), refcounts, chunks and quotas agree;
- the restart removed the unfinished bodies (the store's log line says so):
  a body counted half-received may have been committed before the kill (the
  client reads replies late), so the run is repeated, up to three times,
  until one has a body that is in no mailbox afterwards;
- every recipient that got a 250 has the message exactly once, byte-identical;
  anything else present is also complete and byte-identical (committed, but
  its 250 was lost with the connection);
- the store takes new mail afterwards."""

import base64
import os
import queue
import random
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

MIB = 1 << 20
BODY_BYTES = 10 * MIB
CHUNK = MIB
CONNECTIONS = 4
# At most this many messages per connection: the kill comes at the first
# moment it may (usually within a few messages), or when all are delivered.
PER_CONNECTION = 24
KILL_AFTER_ACKS = 3
USERS = {'alice': 'alice-pw', 'bob': 'bob-pw', 'carol': 'carol-pw'}
ID_HEADER = re.compile(rb'^X-Loft-Crash-Id: (\S+)\r\n')
REMOVED = re.compile(r'storage: removed (\d+) unfinished bodies')


def make_message(mid):
    """A 10 MiB message of its own content, made again from its id to compare."""
    rng = random.Random(mid)
    body = base64.encodebytes(rng.randbytes(BODY_BYTES * 3 // 4)).replace(b'\n', b'\r\n')
    return (b'X-Loft-Crash-Id: %s\r\nFrom: crash@example.com\r\nSubject: crash %s\r\n'
            b'Message-ID: <%s@crash.example.com>\r\n\r\n' % ((mid.encode(),) * 3)) + body


def recipients(k, i):
    names = list(USERS)
    if i % 2 == 0:
        return names
    return [names[(k + i) % 3], names[(k + i + 1) % 3]]


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.acked = {}         # user -> set of message ids answered 250
        self.acks = 0           # transactions with at least one 250
        self.mid_body = set()   # BDAT messages with a chunk acknowledged, not yet finished
        self.last_ack = 0.0     # time.monotonic() of the last 250
        self.stop = threading.Event()

    def record(self, mid, replies):
        with self.lock:
            ok = [u for u, (code, _) in replies.items() if code == 250]
            for u in ok:
                self.acked.setdefault(u, set()).add(mid)
            if ok:
                self.acks += 1
                self.last_ack = time.monotonic()


class DataDeliverer(threading.Thread):
    """MAIL, RCPTs and DATA in one write, then the dot-stuffed message."""

    def __init__(self, server, k, state):
        super().__init__(daemon=True)
        self.server, self.k, self.state, self.error = server, k, state, None

    def run(self):
        c = None
        try:
            c = loftlib.LMTPClient(self.server.lmtp, timeout=60)
            for i in range(PER_CONNECTION):
                if self.state.stop.is_set():
                    break
                mid = 'c%d-m%d' % (self.k, i)
                wire = loftlib.dot_stuff(make_message(mid))
                _, _, dr = c.transaction('crash@example.com', recipients(self.k, i), wire,
                                         pipelined=True)
                self.state.record(mid, dr)
        except (OSError, ConnectionError, loftlib.ProtocolError) as e:
            self.error = e  # expected once the server is killed
        finally:
            if c:
                c.close()


class BdatDeliverer(threading.Thread):
    """Writes every transaction (MAIL, RCPTs, BDAT chunks) without waiting; the
    thread itself reads the replies in order."""

    def __init__(self, server, k, state):
        super().__init__(daemon=True)
        self.server, self.k, self.state, self.error = server, k, state, None
        self.expect = queue.Queue()

    def write_all(self, c):
        try:
            for i in range(PER_CONNECTION):
                if self.state.stop.is_set():
                    break
                mid = 'c%d-m%d' % (self.k, i)
                raw = make_message(mid)
                rcpts = recipients(self.k, i)
                chunks = [raw[o:o + CHUNK] for o in range(0, len(raw), CHUNK)]
                self.expect.put((mid, rcpts, len(chunks)))
                c.send(('MAIL FROM:<crash@example.com> BODY=BINARYMIME\r\n' +
                        ''.join('RCPT TO:<%s>\r\n' % r for r in rcpts)).encode())
                for n, part in enumerate(chunks):
                    last = b' LAST' if n == len(chunks) - 1 else b''
                    c.send(b'BDAT %d%s\r\n' % (len(part), last) + part)
        except OSError:
            pass  # the reader reports the failure
        finally:
            self.expect.put(None)

    def run(self):
        c = None
        try:
            c = loftlib.LMTPClient(self.server.lmtp, timeout=60)
            writer = threading.Thread(target=self.write_all, args=(c,), daemon=True)
            writer.start()
            while True:
                item = self.expect.get(timeout=120)
                if item is None:
                    break
                mid, rcpts, nchunks = item
                if c.reply()[0] != 250:
                    raise loftlib.ProtocolError('MAIL refused')
                accepted = [r for r in rcpts if c.reply()[0] == 250]
                for _ in range(nchunks - 1):
                    code, text = c.reply()
                    if code != 250:
                        raise loftlib.ProtocolError('BDAT chunk: %d %s' % (code, text))
                    with self.state.lock:
                        self.state.mid_body.add(mid)
                replies = {r: c.reply() for r in accepted}  # RFC 2033 §4.2 after LAST
                with self.state.lock:
                    self.state.mid_body.discard(mid)
                self.state.record(mid, replies)
        except (OSError, ConnectionError, loftlib.ProtocolError, queue.Empty) as e:
            self.error = e
        finally:
            if c:
                c.close()


class LmtpCrashTest(unittest.TestCase):
    def test_sigkill_during_pipelined_large_deliveries(self):
        # The client learns late that a body is done (its reader thread may lag
        # the server by the whole pipelined message), so a body it counted as
        # half-received may have been committed just before the kill. Such a
        # run proves durability but not the clean-up: up to three runs.
        for attempt in range(3):
            server = loftlib.LoftServer()
            try:
                if self.run_case(server):
                    return
            finally:
                server.stop()
                server.cleanup()
            loftlib.log('run %d: every half-received body had been committed; again' % (attempt + 1))
        self.fail('in three runs no body was still unfinished at the kill: the clean-up was never exercised')

    def run_case(self, server):
        server.start()
        for u, p in USERS.items():
            server.add_user(u, p)
        state = State()
        threads = [(DataDeliverer if k % 2 == 0 else BdatDeliverer)(server, k, state)
                   for k in range(CONNECTIONS)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        # The kill comes within milliseconds of a 250 (so a server that answered
        # before its commit was durable would lose that message) while a BDAT
        # body is half-received; after 60 s of no such moment, at the next
        # half-received body.
        eligible = None
        in_flight = []
        while time.monotonic() < t0 + 300:
            with state.lock:
                ready = state.acks >= KILL_AFTER_ACKS and state.mid_body
                fresh = time.monotonic() - state.last_ack < 0.005
                # Taken with the decision: a body may finish a moment later.
                in_flight = sorted(state.mid_body)
            if ready and eligible is None:
                eligible = time.monotonic()
            if ready and (fresh or time.monotonic() - eligible > 60):
                break
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.001)
        server.kill()
        state.stop.set()
        killed_at = time.monotonic() - t0
        for t in threads:
            t.join(120)
            self.assertFalse(t.is_alive(), 'a delivery thread hung after the kill')
        acked = {u: set(v) for u, v in state.acked.items()}
        loftlib.log('killed after %.1fs: %d acknowledged transactions, BDAT bodies half-received: %s, '
                    'acked per user: %s' % (killed_at, state.acks, in_flight,
                                            {u: sorted(v) for u, v in acked.items()}))
        if not in_flight:
            # Every body finished before a kill moment came (a fast machine):
            # nothing was half-received, so this run proves nothing; again.
            loftlib.log('run ended with no body half-received')
            return False

        log_size = os.path.getsize(server.log_path)
        server.reset_addresses()
        server.start()
        r = server.ctl('check')
        self.assertEqual((r.returncode, r.stdout), (0, ''),
                         'loftctl check after the restart:\n%s%s' % (r.stdout, r.stderr))
        with open(server.log_path, 'rb') as f:
            f.seek(log_size)
            restart_log = f.read().decode('utf-8', 'replace')
        present = set()
        for user, pw in USERS.items():
            with self.subTest(user=user):
                seen = self.check_mailbox(server, user, pw)
                present |= seen
                missing = sorted(acked.get(user, set()) - seen)
                self.assertEqual(missing, [], '%s: acknowledged but lost' % user)
                loftlib.log('%s: %d acknowledged, %d present after restart'
                            % (user, len(acked.get(user, ())), len(seen)))

        # A body still unfinished at the kill is in no mailbox; its chunks and
        # pending mark were on disk and the restart must have removed them.
        unfinished = [mid for mid in in_flight if mid not in present]
        removed = REMOVED.search(restart_log)
        if unfinished:
            self.assertTrue(removed and int(removed.group(1)) >= 1,
                            'the restart did not remove the half-received bodies %s:\n%s'
                            % (unfinished, restart_log[-2000:]))

        # The recovered store takes new mail.
        c = loftlib.LMTPClient(server.lmtp)
        _, _, dr = c.transaction('crash@example.com', list(USERS),
                                 b'Subject: after the crash\r\n\r\nhello\r\n.\r\n')
        c.quit()
        self.assertEqual({u: code for u, (code, _) in dr.items()}, {u: 250 for u in USERS}, dr)
        r = server.ctl('check')
        self.assertEqual((r.returncode, r.stdout), (0, ''), r.stdout + r.stderr)
        self.assertTrue(server.alive())
        return bool(unfinished)

    def check_mailbox(self, server, user, pw):
        """Every message of the INBOX is one of ours, whole, once; returns their ids."""
        m = loftlib.imap_connect(server.imap_implicit, 'implicit')
        seen = set()
        try:
            m.login(user, pw)
            loftlib.select(m)
            typ, data = m.uid('SEARCH', 'ALL')
            self.assertEqual(typ, 'OK')
            for uid in data[0].split():
                x = loftlib.fetch_all(m, uids=uid.decode())[0]  # one 10 MiB body at a time
                body = x.get('BODY[]')
                self.assertIsNotNone(body, 'uid %s has no body' % uid)
                self.assertEqual(x.get('RFC822.SIZE'), len(body))
                mm = ID_HEADER.match(body)
                self.assertIsNotNone(mm, 'uid %s: not one of ours or damaged: %r' % (uid, body[:80]))
                mid = mm.group(1).decode()
                self.assertNotIn(mid, seen, 'message %s stored twice for %s' % (mid, user))
                seen.add(mid)
                self.assertTrue(body == server.imap_form(make_message(mid)),
                                'message %s (uid %s) for %s is not byte-identical (%d bytes)'
                                % (mid, uid, user, len(body)))
        finally:
            m.logout()
        return seen


if __name__ == '__main__':
    loftlib.run_unittest('e2e-lmtp-crash')

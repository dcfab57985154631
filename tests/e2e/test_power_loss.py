#!/usr/bin/env python3
"""Power loss: loftd runs under the power-loss recorder (tests/durability/),
takes deliveries over LMTP (3 connections, every per-recipient reply read),
\\Seen flag changes (IMAP UID FETCH BODY[]) and expunges (POP3 DELE + QUIT),
and is SIGKILLed at CRASH_POINTS points chosen by count of acknowledgements
and by time. After each kill the journal cuts the store back to what a power
cut would have kept; loftd restarts on it, and every acknowledged delivery
must be there byte-exact, every acknowledged \\Seen set, every acknowledged
expunge gone, and `loftctl check` clean (online, and offline at the end).

With `storage.sync = false` it must fail: E2E_STORAGE_SYNC=false runs that way.
E2E_PL_SEED fixes the random choices (the seed is printed)."""

import os
import poplib
import random
import re
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'durability'))
import loftlib  # noqa: E402
import plsim  # noqa: E402

poplib._MAXLINE = 1 << 20
CRASH_POINTS = 22
ROUND_BOUND = 1.0      # seconds of load at most before a kill
RUN_BOUND = 100        # seconds for the whole test at most
DELIVERERS = 3
PER_ROUND = 12         # deliveries per connection and crash point at most (bounds the store)
USERS = {'alice': 'alice-pw', 'bob': 'bob-pw'}
ID_HEADER = re.compile(rb'^X-Loft-PL-Id: (\S+)\r\n')


def make_body(rng, mid):
    """A message of 1 KiB .. 6 KiB, one in ten of 70 .. 140 KiB (two or three chunks)."""
    size = rng.randint(70_000, 140_000) if rng.random() < 0.1 else rng.randint(1_000, 6_000)
    pad = bytes(rng.choice(b'abcdefghijklmnopqrstuvwxyz .') for _ in range(60))
    lines, total = [], 0
    while total < size:
        chunk = b'%s %07d %s\r\n' % (mid.encode(), total, pad)
        lines.append(chunk)
        total += len(chunk)
    return (b'X-Loft-PL-Id: ' + mid.encode() + b'\r\nSubject: power loss ' + mid.encode() +
            b'\r\n\r\n' + b''.join(lines))


class Model:
    """What was sent and what the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sent = {}           # id -> stored bytes
        self.acked = {u: set() for u in USERS}
        self.seen_acked = set()  # alice: UID FETCH BODY[] answered OK
        self.exp_tried = set()   # bob: DELE sent (QUIT may or may not have committed)
        self.exp_acked = set()   # bob: QUIT answered +OK
        self.acks = 0

    def ack(self, n=1):
        with self.lock:
            self.acks += n


def deliver_loop(server, model, rng, tag, stop):
    c = loftlib.LMTPClient(server.lmtp, timeout=10)
    try:
        i = 0
        while not stop.is_set() and i < PER_ROUND:
            mid = '%s-%d' % (tag, i)
            i += 1
            stored = make_body(rng, mid)
            with model.lock:
                model.sent[mid] = stored
            _, _, dr = c.transaction('pl@example.com', list(USERS), loftlib.dot_stuff(stored))
            with model.lock:
                for user, (code, _) in dr.items():
                    if code == 250:
                        model.acked[user].add(mid)
                        model.acks += 1
    finally:
        c.close()


def flag_loop(server, model, rng, stop):
    m = loftlib.imap_connect(server.imap_implicit, 'implicit', timeout=10)
    try:
        m.login('alice', USERS['alice'])
        loftlib.select(m, readonly=False)
        while not stop.is_set():
            m.noop()
            unseen = [x['UID'] for x in loftlib.fetch_all(m, '(UID FLAGS)') if '\\Seen' not in x.get('FLAGS', '')]
            if not unseen:
                time.sleep(0.02)
                continue
            uid = rng.choice(unseen)
            got = loftlib.fetch_all(m, '(UID BODY[])', str(uid))
            for x in got:
                mm = ID_HEADER.match(x.get('BODY[]') or b'')
                if mm:
                    with model.lock:
                        model.seen_acked.add(mm.group(1).decode())
                        model.acks += 1
    finally:
        try:
            m.shutdown()
        except OSError:
            pass


def expunge_loop(server, model, rng, stop):
    host, port = loftlib.split_hostport(server.listener('pop3', 'implicit'))
    while not stop.is_set():
        p = poplib.POP3_SSL(host, port, context=loftlib.client_tls_context(), timeout=10)
        try:
            p.user('bob')
            p.pass_(USERS['bob'])
            count = len(p.list()[1])
            doomed = []
            for n in rng.sample(range(1, count + 1), min(count, 2)):
                top = b'\r\n'.join(p.top(n, 0)[1]) + b'\r\n'
                mm = ID_HEADER.match(top)
                if mm:
                    doomed.append(mm.group(1).decode())
                    with model.lock:
                        model.exp_tried.add(doomed[-1])
                p.dele(n)
            p.quit()  # +OK: the DELEs are committed (RFC 1939 §6, UPDATE state)
            with model.lock:
                model.exp_acked.update(doomed)
                model.acks += len(doomed)
        finally:
            p.close()
        time.sleep(0.02)


class Worker(threading.Thread):
    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args, self.error = fn, args, None

    def run(self):
        try:
            self.fn(*self.args)
        except Exception as e:  # noqa: BLE001 - expected once loftd is killed
            self.error = e


class PowerLossServer(loftlib.LoftServer):
    """loftd with POP3, storage.sync from E2E_STORAGE_SYNC, started under the recorder."""

    def __init__(self, sync):
        super().__init__(extra_listeners=loftlib.POP3_LISTENERS)
        with open(self.config) as f:
            text = f.read()
        with open(self.config, 'w') as f:
            f.write(text.replace('sync = true', 'sync = %s' % sync))
        self.store = os.path.join(self.data_dir, 'store')
        self.journal = os.path.join(self.dir, 'plsim.journal')
        self.recording = False

    def start_recorded(self):
        plsim.adopt(self.store, self.journal)
        saved = dict(os.environ)
        os.environ.update(plsim.env(self.store, self.journal))
        try:
            self.start()
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.recording = True

    def crash(self):
        """SIGKILL, then what a power cut at that moment leaves on disk."""
        self.kill()
        self.reset_addresses()
        self.recording = False
        return plsim.recover(self.store, self.journal)


class PowerLossTest(unittest.TestCase):
    def test_acknowledged_changes_survive_power_loss(self):
        sync = os.environ.get('E2E_STORAGE_SYNC', 'true')
        seed = int(os.environ.get('E2E_PL_SEED', str(int(time.time()))))
        loftlib.log('storage.sync = %s, seed %d' % (sync, seed))
        rng = random.Random(seed)
        server = PowerLossServer(sync)
        try:
            for u, p in USERS.items():
                server.add_user(u, p)  # offline: creates the store
            self.run_rounds(server, rng)
        finally:
            if server.alive():
                server.kill()
            server.cleanup()

    def run_rounds(self, server, rng):
        model = Model()
        t0 = time.monotonic()
        stats = {'cut_bytes': 0, 'cut_files': 0, 'never_synced': 0, 'by_count': 0, 'by_time': 0}
        for r in range(CRASH_POINTS):
            self.assertLess(time.monotonic() - t0, RUN_BOUND, 'run bound exceeded at crash point %d' % r)
            server.start_recorded()
            server.pop3_tls = server.listener('pop3', 'implicit')
            self.verify(server, model, 'before crash point %d' % r)
            stop = threading.Event()
            # Every fourth round has no deliveries, so that no delivery's WAL sync
            # covers a flag change or expunge that was not synced itself.
            quiet = r % 4 == 3
            workers = [Worker(deliver_loop, server, model, random.Random(rng.random()), 'r%d-c%d' % (r, k), stop)
                       for k in range(0 if quiet else DELIVERERS)]
            workers.append(Worker(flag_loop, server, model, random.Random(rng.random()), stop))
            workers.append(Worker(expunge_loop, server, model, random.Random(rng.random()), stop))
            with model.lock:
                base = model.acks
            by_count = r % 2 == 0
            want = rng.randint(1, 40) if by_count else None
            delay = None if by_count else rng.uniform(0.02, ROUND_BOUND)
            started = time.monotonic()
            for w in workers:
                w.start()
            while time.monotonic() - started < (delay or ROUND_BOUND):
                with model.lock:
                    if by_count and model.acks - base >= want:
                        break
                time.sleep(0.002)
            report = server.crash()
            stop.set()
            for w in workers:
                w.join(30)
                self.assertFalse(w.is_alive(), 'a client thread hung after the kill')
            self.assertEqual(report['problems'], [], 'the recorder could not undo something')
            for k in ('cut_bytes', 'cut_files', 'never_synced'):
                stats[k] += report[k]
            stats['by_count' if by_count else 'by_time'] += 1
            with model.lock:
                loftlib.log('crash point %d (%s%s) after %.2fs: %d acks this round; cut %d bytes in %d files, '
                            '%d unsynced files removed' % (r, 'count %d' % want if by_count else 'time',
                                                           ', no deliveries' if quiet else '',
                                                           time.monotonic() - started, model.acks - base,
                                                           report['cut_bytes'], report['cut_files'],
                                                           report['never_synced']))
        # Last restart without the recorder, then the offline check too.
        server.start()
        server.pop3_tls = server.listener('pop3', 'implicit')
        self.verify(server, model, 'after the last crash point')
        server.stop()
        r = server.ctl('--offline', 'check')
        self.assertEqual(r.returncode, 0, 'offline loftctl check:\n%s%s' % (r.stdout, r.stderr))
        loftlib.log('%d crash points (%d by count, %d by time) in %.1fs; acknowledged: %d deliveries, %d \\Seen, '
                    '%d expunges; the recorder cut %d bytes in %d files and removed %d unsynced files'
                    % (CRASH_POINTS, stats['by_count'], stats['by_time'], time.monotonic() - t0,
                       sum(len(v) for v in model.acked.values()), len(model.seen_acked), len(model.exp_acked),
                       stats['cut_bytes'], stats['cut_files'], stats['never_synced']))
        self.assertGreater(sum(len(v) for v in model.acked.values()), 50, 'too few deliveries to prove anything')
        self.assertGreater(len(model.seen_acked), 0, 'no flag change was acknowledged')
        self.assertGreater(len(model.exp_acked), 0, 'no expunge was acknowledged')

    def verify(self, server, model, when):
        with model.lock:
            sent = dict(model.sent)
            acked = {u: set(v) for u, v in model.acked.items()}
            seen_acked, exp_tried, exp_acked = set(model.seen_acked), set(model.exp_tried), set(model.exp_acked)
        for user, pw in USERS.items():
            m = loftlib.imap_connect(server.imap_implicit, 'implicit')
            try:
                m.login(user, pw)
                loftlib.select(m)
                msgs = loftlib.fetch_all(m, '(UID FLAGS BODY.PEEK[])')
            finally:
                m.logout()
            present = {}
            for x in msgs:
                body = x.get('BODY[]') or b''
                mm = ID_HEADER.match(body)
                self.assertIsNotNone(mm, '%s %s: uid %s is not one of ours: %r' % (when, user, x.get('UID'), body[:60]))
                mid = mm.group(1).decode()
                self.assertNotIn(mid, present, '%s %s: %s stored twice' % (when, user, mid))
                self.assertEqual(body, sent.get(mid), '%s %s: %s is corrupt' % (when, user, mid))
                present[mid] = x.get('FLAGS', '')
            may_be_gone = exp_tried if user == 'bob' else set()
            lost = sorted(acked[user] - may_be_gone - set(present))
            self.assertEqual(lost, [], '%s %s: %d acknowledged deliveries lost (of %d acknowledged)'
                             % (when, user, len(lost), len(acked[user])))
            if user == 'bob':
                back = sorted(exp_acked & set(present))
                self.assertEqual(back, [], '%s bob: %d acknowledged expunges undone' % (when, len(back)))
            else:
                unseen = sorted(mid for mid in seen_acked if '\\Seen' not in present.get(mid, '\\Seen'))
                gone = sorted(seen_acked - set(present))
                self.assertEqual(gone, [], '%s alice: %d messages lost after their \\Seen was acknowledged'
                                 % (when, len(gone)))
                self.assertEqual(unseen, [], '%s alice: %d acknowledged \\Seen flags lost' % (when, len(unseen)))
        r = server.ctl('check', timeout=60)
        self.assertEqual(r.returncode, 0, '%s: loftctl check:\n%s%s' % (when, r.stdout, r.stderr))


if __name__ == '__main__':
    loftlib.run_unittest('e2e-power-loss')

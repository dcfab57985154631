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
import random
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'durability'))
import loftlib  # noqa: E402
import plsim  # noqa: E402
from power_loss_clients import (ID_HEADER, USERS, Model, Worker, deliver_loop, expunge_loop,  # noqa: E402
                                flag_loop)

CRASH_POINTS = 22
ROUND_BOUND = 1.0      # seconds of load at most before a kill
QUIET_BOUND = 3.0      # the same for a round without deliveries (POP3 logins are slow)
RUN_BOUND = 110        # seconds for the whole test at most (about 50 on an idle machine)
DELIVERERS = 3


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
            flagger_ready = threading.Event()
            workers.append(Worker(flag_loop, server, model, random.Random(rng.random()), stop, flagger_ready))
            workers.append(Worker(expunge_loop, server, model, random.Random(rng.random()), stop))
            by_count = r % 2 == 0 or quiet
            want = (rng.randint(1, 3) if quiet else rng.randint(1, 40)) if by_count else None
            delay = None if by_count else rng.uniform(0.02, ROUND_BOUND)
            bound = QUIET_BOUND if quiet else ROUND_BOUND
            for w in workers:
                w.start()
            # The clock starts once the IMAP session is selected (its login costs an
            # argon2id verification), so that every round can change flags.
            flagger_ready.wait(10)
            started = time.monotonic()
            with model.lock:
                base = model.acks
            while time.monotonic() - started < (delay or bound):
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

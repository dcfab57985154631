"""The clients of test_power_loss.py: LMTP deliverers, an IMAP \\Seen setter and
a POP3 expunger, each recording in a Model what the server acknowledged."""

import poplib
import re
import threading
import time

import loftlib

poplib._MAXLINE = 1 << 20
PER_ROUND = 8          # deliveries per connection and crash point at most (bounds the store)
USERS = {'alice': 'alice-pw', 'bob': 'bob-pw'}
ID_HEADER = re.compile(rb'^X-Loft-PL-Id: (\S+)\r\n')


def make_body(rng, mid):
    """A message of 1 KiB .. 6 KiB, one in twelve of 70 .. 140 KiB (two or three chunks)."""
    size = rng.randint(70_000, 140_000) if rng.random() < 1 / 12 else rng.randint(1_000, 6_000)
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


def flag_loop(server, model, rng, stop, ready):
    m = loftlib.imap_connect(server.imap_implicit, 'implicit', timeout=10)
    try:
        m.login('alice', USERS['alice'])
        loftlib.select(m, readonly=False)
        ready.set()
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
    """Runs one client loop; its error is expected once loftd is killed."""

    def __init__(self, fn, *args):
        super().__init__(daemon=True)
        self.fn, self.args, self.error = fn, args, None

    def run(self):
        try:
            self.fn(*self.args)
        except Exception as e:  # noqa: BLE001
            self.error = e

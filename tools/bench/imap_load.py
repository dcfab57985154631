"""Shared set-up of the IMAP benchmarks (imap_mixed.py, full_sync.py, fetch_flags.py):
an asyncio IMAP client that reads literals and times each command, the generated
messages, the servers of a comparison run (loftd and Dovecot profiles from
tests/e2e/loftlib.py) started, filled and stopped one after the other
(for_each_server), LMTP / MULTIAPPEND population and /proc CPU.

A command the server refuses (NO/BAD, e.g. one it does not implement yet) is a
Reply with status 'NO'/'BAD', never an exception: the benchmarks count and report
it. Connection loss and timeouts raise. Every wait is bounded.
"""

import asyncio
import os
import random
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'e2e'))
sys.path.insert(0, HERE)
import loftlib  # noqa: E402
from bench import cpu_seconds, machine_info, raise_nofile  # noqa: E402,F401

PASSWORD = 'bench-password'
_LITERAL = re.compile(rb'\{(\d+)\+?\}\r\n$')


class Reply:
    """A tagged completion: status OK/NO/BAD, its text, the untagged lines (a
    literal's bytes follow its line as a separate bytes item) and literal bytes."""

    def __init__(self, status, text, untagged, literal_bytes, seconds):
        self.status, self.text, self.untagged = status, text, untagged
        self.literal_bytes, self.seconds = literal_bytes, seconds

    @property
    def ok(self):
        return self.status == 'OK'


class Client:
    """One IMAP connection over implicit TLS (the servers' self-signed certificate
    is not verified: both run on 127.0.0.1 for the benchmark)."""

    def __init__(self, reader, writer, timeout):
        self.r, self.w, self.timeout = reader, writer, timeout
        self.n = 0
        self.capabilities = ''

    @classmethod
    async def connect(cls, address, timeout=60):
        host, port = loftlib.split_hostport(address)
        r, w = await asyncio.wait_for(asyncio.open_connection(
            host, port, ssl=loftlib.client_tls_context(), limit=1 << 24), timeout)
        c = cls(r, w, timeout)
        greeting = await asyncio.wait_for(r.readline(), timeout)
        if not greeting.startswith(b'* OK'):
            raise loftlib.ProtocolError('greeting %r' % greeting[:200])
        return c

    async def _line(self):
        line = await asyncio.wait_for(self.r.readline(), self.timeout)
        if not line:
            raise ConnectionError('server closed the connection')
        return line

    async def _read_until(self, tag):
        untagged, nbytes = [], 0
        while True:
            line = await self._line()
            m = _LITERAL.search(line)
            if m:
                data = await asyncio.wait_for(self.r.readexactly(int(m.group(1))), self.timeout)
                nbytes += len(data)
                untagged.append(line)
                untagged.append(data)
                continue
            if line.startswith(tag + b' '):
                parts = line.rstrip(b'\r\n').split(b' ', 2)
                status = parts[1].decode('ascii', 'replace').upper() if len(parts) > 1 else '?'
                text = parts[2].decode('utf-8', 'replace') if len(parts) > 2 else ''
                return status, text, untagged, nbytes
            if line.startswith(b'+') and tag is None:
                return '+', line, untagged, nbytes
            untagged.append(line)

    async def cmd(self, text, literal=None):
        """Sends `TAG text` (with one synchronising literal appended when literal is
        bytes: waits for the continuation, RFC 3501 §7.5) and reads to the tagged reply."""
        self.n += 1
        tag = b'a%d' % self.n
        t0 = time.perf_counter()
        if literal is None:
            self.w.write(tag + b' ' + text.encode() + b'\r\n')
        else:
            self.w.write(tag + b' ' + text.encode() + b' {%d}\r\n' % len(literal))
            await self.w.drain()
            while True:
                line = await self._line()
                if line.startswith(b'+'):
                    break
                if line.startswith(tag + b' '):  # refused before the literal
                    parts = line.rstrip(b'\r\n').split(b' ', 2)
                    return Reply(parts[1].decode().upper(), parts[-1].decode('utf-8', 'replace'),
                                 [], 0, time.perf_counter() - t0)
            self.w.write(literal + b'\r\n')
        await self.w.drain()
        status, rtext, untagged, nbytes = await self._read_until(tag)
        return Reply(status, rtext, untagged, nbytes, time.perf_counter() - t0)

    async def close(self):
        try:
            self.w.close()
            await asyncio.wait_for(self.w.wait_closed(), 5)
        except (OSError, asyncio.TimeoutError, ConnectionError):
            pass


LOFT_AUTH = ['failure_delay_ms = 0', 'failure_delay_max_ms = 0', 'lockout_failures = 0']


def start_servers(names, users, max_connections=300, loft_auth=()):
    """{row label: started server with `users`} for names among loft and dovecot-PROFILE
    (loftlib.DOVECOT_PROFILES). loft_auth: extra [auth] lines for loftd (e.g.
    'hash_concurrency = 2'). A server that fails to start is reported and left out."""
    out = {}
    for name in names:
        try:
            if name == 'loft':
                s = loftlib.LoftServer(limits=['max_connections_per_address = %d'
                                               % (max_connections + 100)],
                                       auth=LOFT_AUTH + list(loft_auth))
                label = 'loft' + (' (%s)' % ', '.join(loft_auth) if loft_auth else '')
            elif name.startswith('dovecot-'):
                s = loftlib.dovecot_profile(name[len('dovecot-'):],
                                            max_connections=max_connections)
                label = s.label
            else:
                raise SystemExit('unknown server %r (loft, dovecot-%s)'
                                 % (name, ', dovecot-'.join(loftlib.DOVECOT_PROFILES)))
            s.start()
            for u in users:
                s.add_user(u, PASSWORD)
            out[label] = s
            print('%s started (%s)' % (label, s.dir), flush=True)
        except (RuntimeError, OSError, TimeoutError) as e:
            print('%s did not start: %s' % (name, e), flush=True)
    return out


def deliver(server, users, messages, connections=8, timeout=1800):
    """Delivers each message of `messages` (CRLF bytes) once to every user in `users`
    (one LMTP transaction per message, all users as recipients, pipelined when offered)
    over `connections` connections. Returns (delivered, errors)."""
    lock = threading.Lock()
    state = {'next': 0, 'done': 0, 'errors': 0}
    deadline = time.monotonic() + timeout
    wires = {}

    def worker():
        c = loftlib.LMTPClient(server.lmtp, timeout=120)
        pipelined = 'PIPELINING' in c.extensions
        try:
            while time.monotonic() < deadline:
                with lock:
                    i = state['next']
                    if i >= len(messages):
                        break
                    state['next'] += 1
                wire = wires.get(i) or loftlib.dot_stuff(messages[i])
                _, _, dr = c.transaction('bench@example.com', ['%s@%s' % (u, loftlib.DOMAIN)
                                                               for u in users], wire,
                                         pipelined=pipelined)
                ok = len(dr) == len(users) and all(code == 250 for code, _ in dr.values())
                with lock:
                    state['done' if ok else 'errors'] += 1
        finally:
            c.quit()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 60)
    return state['done'], state['errors']


async def _multiappend(address, user, messages, batch):
    c = await Client.connect(address, timeout=300)
    try:
        r = await c.cmd('LOGIN %s "%s"' % (user, PASSWORD))
        if not r.ok:
            raise loftlib.ProtocolError('LOGIN %s: %s' % (user, r.text))
        done = 0
        for i in range(0, len(messages), batch):
            # RFC 3502 MULTIAPPEND with RFC 7888 LITERAL+ literals: one command, one
            # transaction per batch
            c.n += 1
            tag = b'm%d' % c.n
            parts = [tag + b' APPEND INBOX']
            for m in messages[i:i + batch]:
                parts.append(b' {%d+}\r\n' % len(m))
                parts.append(m)
            parts.append(b'\r\n')
            c.w.write(b''.join(parts))
            await c.w.drain()
            status, text, _, _ = await c._read_until(tag)
            if status != 'OK':
                raise loftlib.ProtocolError('MULTIAPPEND: %s %s' % (status, text))
            done += len(messages[i:i + batch])
        await c.cmd('LOGOUT')
        return done
    finally:
        await c.close()


def fill(server, users, messages, parallel=4):
    """Puts every message into every user's INBOX the fastest way the server
    offers: Dovecot by IMAP MULTIAPPEND (its LMTP costs tens of ms of CPU per
    message, too slow to fill 20,000), loftd by LMTP (deliver()). Returns
    (messages per user, errors)."""
    if not isinstance(server, loftlib.DovecotServer):
        return deliver(server, users, messages)

    async def run():
        sem = asyncio.Semaphore(parallel)

        async def one(u):
            async with sem:
                return await _multiappend(server.imap_implicit, u, messages, 200)
        return await asyncio.gather(*(one(u) for u in users))
    counts = asyncio.run(run())
    return min(counts), sum(len(messages) - n for n in counts)


SIZES = [(1500, 30), (4000, 30), (12000, 20), (40000, 12), (120000, 8)]


def make_message(i, size):
    """A deterministic message of about `size` bytes; one in four is multipart."""
    rnd = random.Random(i)
    subject = ('quarterly report %d' % i) if i % 7 == 0 else ('note %d about %s'
                                                              % (i, rnd.choice(['build', 'lunch', 'mail'])))
    head = ('From: Sender %d <sender%d@example.com>\r\nTo: user@example.org\r\n'
            'Subject: %s\r\nDate: Thu, 5 Nov 2026 %02d:%02d:00 +0000\r\n'
            'Message-ID: <mixed-%d@example.com>\r\nMIME-Version: 1.0\r\n'
            % (i % 40, i % 40, subject, i % 24, i % 60, i))
    line = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit %08d.\r\n' % i
    body = line * max(1, (size - len(head)) // len(line))
    if i % 4 == 0:
        head += 'Content-Type: multipart/mixed; boundary="mx%d"\r\n\r\n' % i
        body = ('--mx{0}\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--mx{0}\r\n'
                'Content-Type: text/plain; name="a.txt"\r\n\r\n{1}--mx{0}--\r\n'
                .format(i, body))
    else:
        head += 'Content-Type: text/plain; charset=us-ascii\r\n\r\n'
    return (head + body).encode()


def corpus(n, seed=1, sizes=None):
    """n messages drawn from `sizes` ((bytes, weight) pairs; default SIZES)."""
    rnd = random.Random(seed)
    sz, weights = zip(*(sizes or SIZES))
    return [make_message(i, rnd.choices(sz, weights)[0]) for i in range(n)]


def server_names(text):
    return [s.strip() for s in text.split(',') if s.strip()]


def for_each_server(names, users, messages, measure, max_connections=300, loft_auth=()):
    """For each server name in turn (same run): starts it with `users`, fills every
    user's INBOX with `messages` (Dovecot with mail_fsync = never, then restarted
    with its profile's setting: the read paths measured do not depend on it), calls
    measure(label, server, stored) and stops it. Returns {label: measure's result};
    a server that does not start is reported and left out."""
    results = {}
    for name in names:
        for label, s in start_servers([name], users, max_connections=max_connections,
                                      loft_auth=loft_auth).items():
            try:
                profile_fsync = getattr(s, 'fsync', None)
                if profile_fsync is not None:
                    s.stop()
                    s.set_fsync('never')
                    s.start()
                t0 = time.monotonic()
                done, errors = fill(s, users, messages)
                print('  %s: %d messages x %d accounts stored in %.0f s (%d errors)'
                      % (label, done, len(users), time.monotonic() - t0, errors), flush=True)
                if profile_fsync is not None:
                    s.stop()
                    s.set_fsync(profile_fsync)
                    s.start()
                results[label] = measure(label, s, done)
            finally:
                s.stop()
                s.cleanup()
    return results


def percentile(sorted_xs, p):
    if not sorted_xs:
        return float('nan')
    k = min(len(sorted_xs) - 1, max(0, int(round(p / 100.0 * (len(sorted_xs) - 1)))))
    return sorted_xs[k]


def print_table(header, rows):
    """Prints a Markdown table; rows are lists of cells (str)."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda cells: '| ' + ' | '.join(str(c).ljust(w) for c, w in zip(cells, widths)) + ' |'
    print(line(header))
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for r in rows:
        print(line(r))
    sys.stdout.flush()

"""Shared helpers for Loft's end-to-end tests and benchmark (stdlib only).

- LoftServer: starts the real loftd on 127.0.0.1 ephemeral ports with a temp data dir
  (reads the listeners back from --ready-file) and creates users with loftctl.
- DovecotServer: a private Dovecot (imap + lmtp) with the same interface, used to
  validate these clients against an independent implementation (E2E_SERVER=dovecot)
  and as the benchmark's reference.
- LMTPClient: a small RFC 2033 client that reads ONE reply per accepted recipient
  after DATA (smtplib.LMTP reads only one).
- RawConn: a line-oriented socket (optionally TLS) for sending malformed input.
- IMAP helpers around imaplib (no certificate verification: the test servers use
  self-signed certificates) and a parser for multi-item FETCH responses.
- Corpus loading and wire conversion (CRLF normalisation, dot-stuffing).

Every wait here is bounded in time; every address is 127.0.0.1 or a unix socket.
"""

import atexit
import imaplib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
DOMAIN = 'example.org'

# ---------------------------------------------------------------------------
# Small utilities


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def free_port():
    """A port that was free a moment ago on 127.0.0.1 (for servers without port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise TimeoutError('timed out after %.0fs waiting for %s' % (timeout, what))


def split_hostport(addr):
    host, _, port = addr.rpartition(':')
    return host.strip('[]'), int(port)


def client_tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------------------
# Corpus


def corpus_dir():
    d = os.environ.get('LOFT_CORPUS') or os.path.join(REPO, '..', 'shared', 'corpus')
    return os.path.abspath(d)


def corpus_files(limit=None):
    """Relative paths from INDEX.tsv in order, skipping the mbox files."""
    index = os.path.join(corpus_dir(), 'INDEX.tsv')
    out = []
    with open(index, encoding='utf-8') as f:
        for n, line in enumerate(f):
            if n == 0 or not line.strip():
                continue
            path = line.split('\t', 1)[0]
            if re.fullmatch(r'mimekit/mbox/.*\.mbox\.txt', path):
                continue
            out.append(path)
            if limit is not None and len(out) >= limit:
                break
    return out


def load_corpus(limit=None):
    """[(relative path, raw bytes)] of the first `limit` single-message files."""
    out = []
    for rel in corpus_files(limit):
        with open(os.path.join(corpus_dir(), rel), 'rb') as f:
            out.append((rel, f.read()))
    return out


_EOL = re.compile(rb'\r?\n')


def normalize_crlf(data):
    """Every LF or CRLF becomes CRLF and the message ends with CRLF; bare CRs stay.
    This is exactly what a server must store for the wire form made by wire_data()."""
    data = _EOL.sub(b'\r\n', data)
    if not data.endswith(b'\r\n'):
        data += b'\r\n'
    return data


def dot_stuff(crlf_data):
    """RFC 5321 §4.5.2 transparency on CRLF-normalised data, plus the final dot."""
    if crlf_data.startswith(b'.'):
        crlf_data = b'.' + crlf_data
    return crlf_data.replace(b'\r\n.', b'\r\n..') + b'.\r\n'


def wire_data(raw):
    """(bytes to send after DATA's 354, bytes the server must store)."""
    stored = normalize_crlf(raw)
    return dot_stuff(stored), stored


# ---------------------------------------------------------------------------
# LMTP client


class ProtocolError(Exception):
    pass


class LMTPClient:
    """RFC 2033 client on a plain socket. Replies are (code:int, text:str) where
    text joins the lines of a multi-line reply with '\\n'."""

    def __init__(self, address, timeout=60.0, lhlo=True):
        host, port = split_hostport(address)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b''
        self.greeting = self.reply()
        if self.greeting[0] != 220:
            raise ProtocolError('greeting: %r' % (self.greeting,))
        self.extensions = []
        if lhlo:
            code, text = self.cmd('LHLO client.example.org')
            if code != 250:
                raise ProtocolError('LHLO: %d %s' % (code, text))
            self.extensions = [l.upper() for l in text.split('\n')[1:]]

    def _line(self):
        while True:
            i = self.buf.find(b'\n')
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line.rstrip(b'\r\n')
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError('LMTP connection closed by server')
            self.buf += chunk

    def reply(self):
        lines = []
        while True:
            line = self._line()
            if len(line) < 3 or not line[:3].isdigit():
                raise ProtocolError('bad reply line %r' % line[:200])
            lines.append(line[4:].decode('utf-8', 'replace'))
            if len(line) == 3 or line[3:4] == b' ':
                return int(line[:3]), '\n'.join(lines)
            if line[3:4] != b'-':
                raise ProtocolError('bad reply line %r' % line[:200])

    def send(self, data):
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line.encode() + b'\r\n')
        return self.reply()

    def rset(self):
        return self.cmd('RSET')

    def noop(self):
        return self.cmd('NOOP')

    def transaction(self, sender, recipients, wire, pipelined=False):
        """One MAIL/RCPT.../DATA transaction. `wire` is dot-stuffed data ending with
        '.\r\n'. Returns (mail reply, {rcpt: rcpt reply}, {rcpt: data reply}) where
        data replies exist only for recipients accepted at RCPT time. If MAIL fails or
        no recipient is accepted, the transaction is reset and DATA is not sent.
        pipelined=True sends MAIL, every RCPT and DATA in one write (RFC 2920, as
        Postfix does); the server must advertise PIPELINING."""
        rcpt_replies, data_replies = {}, {}
        if pipelined:
            cmds = ['MAIL FROM:<%s>' % sender] + ['RCPT TO:<%s>' % r for r in recipients]
            self.send(('\r\n'.join(cmds + ['DATA']) + '\r\n').encode())
            mail = self.reply()
            for r in recipients:
                rcpt_replies[r] = self.reply()
            data = self.reply()
        else:
            mail = self.cmd('MAIL FROM:<%s>' % sender)
            if mail[0] != 250:
                self.rset()
                return mail, rcpt_replies, data_replies
            for r in recipients:
                rcpt_replies[r] = self.cmd('RCPT TO:<%s>' % r)
        accepted = [r for r in recipients if rcpt_replies.get(r, (0,))[0] == 250]
        if not pipelined:
            if not accepted:
                self.rset()
                return mail, rcpt_replies, data_replies
            data = self.cmd('DATA')
        if data[0] != 354:
            # RFC 2920: a pipelined DATA with no valid recipient is refused (503/554)
            for r in accepted:
                data_replies[r] = data
            if pipelined:
                self.rset()
            return mail, rcpt_replies, data_replies
        self.send(wire)
        for r in accepted:  # RFC 2033 §4.2: one reply per accepted RCPT, in order
            data_replies[r] = self.reply()
        return mail, rcpt_replies, data_replies

    def quit(self):
        try:
            self.cmd('QUIT')
        except (OSError, ProtocolError):
            pass
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# Raw line connection (for malformed input)


class RawConn:
    """A socket with line reads and an optional TLS layer (implicit or upgraded)."""

    def __init__(self, address, tls=False, timeout=30.0):
        host, port = split_hostport(address)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b''
        if tls:
            self.starttls()

    def starttls(self):
        assert not self.buf, 'unread plaintext before TLS'
        self.sock = client_tls_context().wrap_socket(self.sock)

    def send(self, data):
        self.sock.sendall(data)

    def readline(self, limit=1 << 20):
        """One line without CRLF; b'' at EOF (a partial line at EOF is returned too)."""
        while True:
            i = self.buf.find(b'\n')
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line.rstrip(b'\r\n')
            if len(self.buf) > limit:
                raise ProtocolError('line over %d bytes' % limit)
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, ssl.SSLError):
                chunk = b''
            if not chunk:
                line, self.buf = self.buf, b''
                return line
            self.buf += chunk

    def read_until_tagged(self, tag, max_lines=10000):
        """Reads lines until one starts with `tag `. Returns (tagged line, all lines);
        the tagged line is None at EOF."""
        lines = []
        for _ in range(max_lines):
            line = self.readline()
            if not line and not self.buf:
                # EOF or an empty line; check EOF by peeking
                if self.at_eof():
                    return None, lines
            lines.append(line)
            if line.startswith(tag.encode() + b' '):
                return line, lines
        raise ProtocolError('no tagged reply in %d lines' % max_lines)

    def at_eof(self, timeout=0.0):
        old = self.sock.gettimeout()
        try:
            self.sock.settimeout(timeout if timeout > 0 else 0.0001)
            try:
                chunk = self.sock.recv(65536)
            except (socket.timeout, BlockingIOError, ssl.SSLWantReadError):
                return False
            except (ConnectionResetError, ssl.SSLError, OSError):
                return True
            if not chunk:
                return True
            self.buf += chunk
            return False
        finally:
            self.sock.settimeout(old)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# ---------------------------------------------------------------------------
# IMAP helpers


class RawImap:
    """A raw IMAP connection over implicit TLS, logged in when user is given:
    cmd() returns (status, tagged line, untagged lines), ok() asserts OK and
    returns the untagged lines."""

    def __init__(self, server, user=None, password=None, tag_prefix='t'):
        self.c = RawConn(server.imap_implicit, tls=True)
        self.n = 0
        self.tag_prefix = tag_prefix
        assert self.c.readline().startswith(b'* OK')
        if user:
            status, line, _ = self.cmd('LOGIN %s %s' % (user, password))
            assert status == 'OK', line

    def cmd(self, text):
        self.n += 1
        tag = '%s%d' % (self.tag_prefix, self.n)
        data = text.encode() if isinstance(text, str) else text
        self.c.send(tag.encode() + b' ' + data + b'\r\n')
        line, lines = self.c.read_until_tagged(tag)
        assert line is not None, 'connection closed'
        return line.split(b' ')[1].decode(), line.decode(errors='replace'), lines[:-1]

    def ok(self, text):
        status, line, untagged = self.cmd(text)
        assert status == 'OK', '%s -> %s' % (text, line)
        return untagged


def imap_connect(address, mode, timeout=60.0):
    """mode: 'starttls' (connect plain, upgrade) | 'implicit' (TLS from the start) |
    'plain' (no TLS)."""
    host, port = split_hostport(address)
    if mode == 'implicit':
        return imaplib.IMAP4_SSL(host, port, ssl_context=client_tls_context(), timeout=timeout)
    m = imaplib.IMAP4(host, port, timeout=timeout)
    if mode == 'starttls':
        m.starttls(ssl_context=client_tls_context())
    return m


_FETCH_START = re.compile(rb'^(\d+) \(')
_LIT_KEY = re.compile(rb'(BODY\[[^\]]*\](?:<\d+>)?|RFC822(?:\.HEADER|\.TEXT)?|BINARY\[[^\]]*\](?:<\d+>)?) \{(\d+)\}$')
_QUOTED_KEY = re.compile(rb'(BODY\[[^\]]*\](?:<\d+>)?|RFC822(?:\.HEADER|\.TEXT)?) (NIL|"(?:[^"\\]|\\.)*")')


def parse_fetch(data):
    """Parses imaplib's FETCH data list into [{'seq': n, 'UID': int, 'RFC822.SIZE': int,
    'FLAGS': str, 'INTERNALDATE': str, 'BODY[]': bytes, ...}] in response order.
    Handles items in any order and several literals per message."""
    msgs = []
    cur = None
    text = b''

    def finish():
        if cur is None:
            return
        for k, rx in ((b'UID', rb'\bUID (\d+)'), (b'RFC822.SIZE', rb'\bRFC822\.SIZE (\d+)')):
            m = re.search(rx, text)
            if m:
                cur[k.decode()] = int(m.group(1))
        m = re.search(rb'\bFLAGS \(([^)]*)\)', text)
        if m:
            cur['FLAGS'] = m.group(1).decode()
        m = re.search(rb'\bINTERNALDATE "([^"]*)"', text)
        if m:
            cur['INTERNALDATE'] = m.group(1).decode()
        for m in _QUOTED_KEY.finditer(text):
            v = m.group(2)
            cur[m.group(1).decode()] = None if v == b'NIL' else re.sub(rb'\\(.)', rb'\1', v[1:-1])
        msgs.append(cur)

    for item in data:
        if item is None:
            continue
        head = item[0] if isinstance(item, tuple) else item
        m = _FETCH_START.match(head)
        if m:
            finish()
            cur, text = {'seq': int(m.group(1))}, b''
        if cur is None:
            raise ProtocolError('unexpected FETCH data %r' % (head[:100],))
        if isinstance(item, tuple):
            lm = _LIT_KEY.search(head)
            if not lm:
                raise ProtocolError('literal without a known key: %r' % head[-100:])
            if int(lm.group(2)) != len(item[1]):
                raise ProtocolError('literal size mismatch')
            cur[lm.group(1).decode()] = item[1]
            text += head[:lm.start()]  # keep the other items, drop the literal marker
        else:
            text += head
    finish()
    return msgs


def fetch_all(imap, items='(UID RFC822.SIZE BODY.PEEK[])', uids='1:*'):
    typ, data = imap.uid('FETCH', uids, items)
    if typ != 'OK':
        raise ProtocolError('UID FETCH %s: %s %r' % (uids, typ, data))
    return parse_fetch(data)


def select(imap, mailbox='INBOX', readonly=True):
    typ, data = imap.select(mailbox, readonly=readonly)
    if typ != 'OK':
        raise ProtocolError('SELECT %s: %s %r' % (mailbox, typ, data))
    return int(data[0])


# ---------------------------------------------------------------------------
# Process helpers


def proc_tree(root_pid):
    """root_pid and all its descendants (from /proc)."""
    children = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                st = f.read()
            ppid = int(st[st.rfind(')') + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root_pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory_kib(pids):
    """(RSS, PSS) in KiB summed over pids, from /proc/<pid>/smaps_rollup."""
    rss = pss = 0
    for p in pids:
        try:
            with open('/proc/%d/smaps_rollup' % p) as f:
                for line in f:
                    if line.startswith('Rss:'):
                        rss += int(line.split()[1])
                    elif line.startswith('Pss:'):
                        pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


# ---------------------------------------------------------------------------
# Servers


class ServerBase:
    """Common shape: .imap_starttls, .imap_implicit, .lmtp are 'host:port' strings
    once start() returned; users are created with add_user(name, password)."""

    name = 'server'
    supports_size_limit = False

    def __init__(self, workdir=None, keep=False):
        self.own_dir = workdir is None
        self.dir = workdir or tempfile.mkdtemp(prefix='loft-e2e-')
        os.chmod(self.dir, 0o755)
        self.keep = keep or bool(os.environ.get('E2E_KEEP'))
        self.proc = None
        self.log_path = os.path.join(self.dir, '%s.log' % self.name)
        self.imap_starttls = self.imap_implicit = self.lmtp = None
        atexit.register(self._at_exit)

    def _at_exit(self):
        """Safety net: never leave a server running or a temp dir behind."""
        try:
            if self.alive():
                self.kill()
        finally:
            self.cleanup()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        self.cleanup()

    @staticmethod
    def strip_added(fetched):
        """The delivered message from what IMAP returned (Dovecot prepends a
        Return-Path header; loftd adds nothing)."""
        return fetched

    @staticmethod
    def imap_form(stored):
        """Stored bytes as this server sends them over IMAP: a literal may not
        carry NUL (RFC 3501 §4.3 CHAR8), so loftd, like Dovecot, sends 0x80."""
        return stored.replace(b'\0', b'\x80')

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def pids(self):
        return proc_tree(self.proc.pid) if self.alive() else []

    def memory_kib(self):
        return memory_kib(self.pids())

    def log_tail(self, n=40):
        try:
            with open(self.log_path, 'rb') as f:
                lines = f.read().decode('utf-8', 'replace').splitlines()
            return '\n'.join(lines[-n:])
        except OSError:
            return '(no log)'

    def cleanup(self):
        if self.own_dir and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        elif self.keep:
            log('kept', self.dir)


class LoftServer(ServerBase):
    name = 'loftd'
    supports_size_limit = True

    def __init__(self, workdir=None, max_message_size=None, max_line=None, keep=False,
                 worker_threads=None, extra_listeners=(), limits=None, auth=None, lmtp=None,
                 imap=None):
        """limits / auth / lmtp: extra 'key = value' lines for [limits] / [auth] / [lmtp].
        Failed-login delays and lockouts are off unless auth names them: most tests log
        in with wrong passwords on purpose (test_limits.py turns them on). LMTP trace
        headers are off unless lmtp names them, so stored bytes equal what was sent."""
        super().__init__(workdir, keep)
        # absolute: loftd and loftctl run with the temp dir as working directory
        self.loftd = os.path.abspath(os.environ.get('LOFTD')
                                     or os.path.join(REPO, 'build', 'server', 'loftd'))
        self.loftctl = os.path.abspath(os.environ.get('LOFTCTL')
                                       or os.path.join(REPO, 'build', 'tools', 'loftctl'))
        self.data_dir = os.path.join(self.dir, 'data')
        self.config = os.path.join(self.dir, 'loft.toml')
        self.ready_file = os.path.join(self.dir, 'ready')
        self.admin_sock = os.path.join(self.dir, 'admin.sock')
        self.listeners = []
        self.max_message_size = max_message_size
        limit_lines = []
        if max_message_size is not None:
            limit_lines.append('max_message_size = %d' % max_message_size)
        if max_line is not None:
            limit_lines.append('max_line = %d' % max_line)
        limit_lines += list(limits or [])
        auth_lines = list(auth) if auth is not None else [
            'failure_delay_ms = 0', 'failure_delay_max_ms = 0', 'lockout_failures = 0']
        listeners = [
            ('imap', '127.0.0.1:0', 'starttls', False),
            ('imap', '127.0.0.1:0', 'implicit', False),
            ('lmtp', '127.0.0.1:0', 'none', False),
        ] + list(extra_listeners)
        text = ['data_dir = "%s"' % self.data_dir,
                'log_level = "info"',
                'hostname = "localhost"',
                'local_domains = ["%s"]' % DOMAIN]
        if worker_threads:
            text.append('worker_threads = %d' % worker_threads)
        text += ['', '[storage]', 'sync = true', '']
        if limit_lines:
            text += ['[limits]'] + limit_lines + ['']
        text += ['[auth]'] + auth_lines + ['']
        text += ['[lmtp]'] + (list(lmtp) if lmtp is not None else ['trace_headers = false']) + ['']
        if imap:  # extra 'key = value' lines for [imap], e.g. 'imap4rev2 = false'
            text += ['[imap]'] + list(imap) + ['']
        for entry in listeners:  # (proto, addr, tls, plain[, [extra 'key = value' lines]])
            proto, addr, tls, plain = entry[:4]
            text += ['[[listener]]', 'protocol = "%s"' % proto, 'address = "%s"' % addr,
                     'tls = "%s"' % tls]
            if proto in ('imap', 'pop3'):
                text.append('allow_plaintext_auth = %s' % ('true' if plain else 'false'))
            text += list(entry[4]) if len(entry) > 4 else []
            text.append('')
        text += ['[[listener]]', 'protocol = "admin"', 'address = "unix:%s"' % self.admin_sock, '']
        self.base_config = '\n'.join(text)
        with open(self.config, 'w') as f:
            f.write(self.base_config)

    def restart_with(self, extra=''):
        """Stops loftd, writes its configuration as __init__ made it plus the
        TOML text extra, and starts it again (on new ports)."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        with open(self.config, 'w') as f:
            f.write(self.base_config + '\n' + extra)
        self.reset_addresses()
        self.start()

    def start(self, timeout=60):
        for p in (self.ready_file,):
            if os.path.exists(p):
                os.unlink(p)
        logf = open(self.log_path, 'ab')
        self.proc = subprocess.Popen([self.loftd, '--config', self.config,
                                      '--ready-file', self.ready_file],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     cwd=self.dir)
        logf.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError('loftd exited with %s during start:\n%s'
                                   % (self.proc.returncode, self.log_tail()))
            return os.path.exists(self.ready_file)
        wait_until(ready, timeout, 'loftd ready file')
        with open(self.ready_file) as f:
            self.listeners = [tuple(l.split()) for l in f if l.strip()]
        for proto, tls, addr in self.listeners:
            if proto == 'imap' and tls == 'starttls' and not self.imap_starttls:
                self.imap_starttls = addr
            elif proto == 'imap' and tls == 'implicit' and not self.imap_implicit:
                self.imap_implicit = addr
            elif proto == 'lmtp' and not self.lmtp:
                self.lmtp = addr
        if not (self.imap_starttls and self.imap_implicit and self.lmtp):
            raise RuntimeError('ready file lacks a listener: %r' % self.listeners)
        return self

    def listener(self, proto, tls):
        for p, t, a in self.listeners:
            if p == proto and t == tls:
                return a
        return None

    def stop(self, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
                raise RuntimeError('loftd did not stop within %ds of SIGTERM' % timeout)
        rc = self.proc.returncode
        self.imap_starttls = self.imap_implicit = self.lmtp = None
        return rc

    def kill(self):
        """SIGKILL, as a crash."""
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def reset_addresses(self):
        self.imap_starttls = self.imap_implicit = self.lmtp = None

    def ctl(self, *args, stdin=None, config=True, timeout=60):
        """Runs loftctl; returns CompletedProcess (text mode)."""
        cmd = [self.loftctl] + (['--config', self.config] if config else []) + list(args)
        return subprocess.run(cmd, input=stdin if stdin is not None else '',
                              capture_output=True, text=True, timeout=timeout, cwd=self.dir)

    def add_user(self, name, password):
        r = self.ctl('user', 'add', name, stdin=password + '\n')
        if r.returncode != 0:
            raise RuntimeError('loftctl user add %s: rc=%d\n%s%s'
                               % (name, r.returncode, r.stdout, r.stderr))

    def deliver_all(self, messages, rcpt='alice@example.org', sender='a@example.org'):
        """Delivers each raw message to rcpt over one LMTP session; every one
        must get its 250."""
        lmtp = LMTPClient(self.lmtp)
        try:
            for raw in messages:
                _, _, data = lmtp.transaction(sender, [rcpt], wire_data(raw)[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    def index_batches_done(self):
        """How many times the search indexer has logged that it caught up."""
        with open(self.log_path, errors='replace') as f:
            return f.read().count('search index caught up')

    def wait_index_caught_up(self, times=1, timeout=300):
        """Waits until the indexer has caught up `times` times since start."""
        wait_until(lambda: self.index_batches_done() >= times, timeout, 'the indexer to catch up')


POP3_LISTENERS = [('pop3', '127.0.0.1:0', 'starttls', False),
                  ('pop3', '127.0.0.1:0', 'implicit', False)]


class LoftTestCase(unittest.TestCase):
    """Tests around one loftd for the whole class: started with SERVER_ARGS
    (LoftServer's keywords), with USERS created (password PASSWORD)."""
    SERVER_ARGS = {}
    USERS = ()
    PASSWORD = 'secret'

    @classmethod
    def setUpClass(cls):
        cls.srv = LoftServer(**cls.SERVER_ARGS)
        cls.srv.start()
        for u in cls.USERS:
            cls.srv.add_user(u, cls.PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()

    def assert_consistent(self):
        """`loftctl check` finds every invariant of the store kept."""
        r = self.srv.ctl('check')
        self.assertEqual((r.returncode, r.stdout), (0, ''), r.stderr)
        self.assertIn('consistent', r.stderr)


def start_loft_with_pop3(users):
    """A started LoftServer that also serves POP3 with STLS (`pop3_stls`) and with
    implicit TLS (`pop3_tls`), with the given {name: password} accounts. On failure
    the server is stopped and its temp dir removed before the error propagates."""
    server = LoftServer(extra_listeners=POP3_LISTENERS)
    try:
        server.start()
        server.pop3_stls = server.listener('pop3', 'starttls')
        server.pop3_tls = server.listener('pop3', 'implicit')
        assert server.pop3_stls and server.pop3_tls, server.listeners
        for name, password in users.items():
            server.add_user(name, password)
    except BaseException:
        server.stop()
        server.cleanup()
        raise
    return server


class DovecotServer(ServerBase):
    """A private Dovecot 2.3 (imap + lmtp) under a temp dir; needs dovecot-imapd and
    dovecot-lmtpd. As root, mail processes run as the system user `loftbench`
    (created if missing); otherwise everything runs as the current user."""

    name = 'dovecot'

    def __init__(self, workdir=None, keep=False, max_connections=100, fsync='always',
                 mail_format='maildir', high_performance=False, label=None,
                 password_scheme='PLAIN'):
        """fsync: mail_fsync (always | optimized | never). mail_format: 'maildir' or
        'mdbox' (dbox-format: one file holds many messages). high_performance: the
        imap service in Dovecot's high-performance process model (service_count = 0,
        process_min_avail = cores, a large client_limit: a few long-lived imap
        processes each serve many sessions) instead of one process per session.
        label: the name benchmark tables print (dovecot_label() by default).
        password_scheme: 'PLAIN' or 'ARGON2ID' (hashed as loftd hashes, see
        argon2id_hash(), so that a LOGIN costs both servers the same)."""
        super().__init__(workdir, keep)
        self.password_scheme = password_scheme.upper()
        if mail_format not in ('maildir', 'mdbox'):
            raise ValueError('mail_format: maildir or mdbox, not %r' % mail_format)
        self.max_connections = max_connections
        self.fsync = fsync
        self.mail_format = mail_format
        self.high_performance = high_performance
        self.label = label or (dovecot_label(mail_format, high_performance, fsync)
                               + (' clear passwords' if self.password_scheme == 'PLAIN' else ''))
        self.passwd = os.path.join(self.dir, 'passwd')
        self.config = os.path.join(self.dir, 'dovecot.conf')
        self.mail_root = os.path.join(self.dir, 'mail')
        open(self.passwd, 'w').close()
        if os.geteuid() == 0:
            ensure_system_user('loftbench')
            import pwd
            pw = pwd.getpwnam('loftbench')
            self.mail_uid, self.mail_gid = pw.pw_uid, pw.pw_gid
            internal, login = 'dovecot', 'dovenull'
        else:
            import pwd
            me = pwd.getpwuid(os.getuid()).pw_name
            self.mail_uid, self.mail_gid = os.getuid(), os.getgid()
            internal = login = me
        os.makedirs(self.mail_root, exist_ok=True)
        os.chown(self.mail_root, self.mail_uid, self.mail_gid)
        os.chmod(self.passwd, 0o644)
        self._make_cert()
        ports = [free_port() for _ in range(4)]
        self.pop3_tls = '127.0.0.1:%d' % ports[3]  # POP3 over implicit TLS (benchmarks)
        self.imap_starttls = '127.0.0.1:%d' % ports[0]
        self.imap_implicit = '127.0.0.1:%d' % ports[1]
        self.lmtp = '127.0.0.1:%d' % ports[2]
        self._addresses = (self.imap_starttls, self.imap_implicit, self.lmtp)
        n = max_connections + 100
        conf = """
protocols = imap lmtp pop3
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/state
instance_name = loft-e2e-{pid}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
default_internal_user = {internal}
default_login_user = {login}
default_internal_group = {internal_group}
ssl = required
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
auth_username_format = %Ln
# Dovecot's passdb cache (off by default), as loftd's [auth] cache is on. A
# cache hit still verifies the password against the cached hash (argon2id
# again): with_worker spreads that over the auth worker processes (every core)
# instead of the one auth master process.
auth_cache_size = 10M
auth_cache_ttl = 1 hour
auth_cache_verify_password_with_worker = yes
passdb {{
  driver = passwd-file
  args = username_format=%n {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={mail}/%n
}}
mail_location = {location}
mail_fsync = {fsync}
namespace inbox {{
  inbox = yes
  separator = /
}}
first_valid_uid = 1
mail_max_userip_connections = {n}
lmtp_rcpt_check_quota = no
lmtp_add_received_header = no
lmtp_hdr_delivery_address = none
recipient_delimiter =
default_process_limit = {n}
default_client_limit = {n4}
default_vsz_limit = 1G
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {p0}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {p1}
    ssl = yes
  }}
  service_count = 0
  process_min_avail = 2
  client_limit = {n}
  process_limit = 4
}}
service imap {{
{imap_service}}}
service pop3-login {{
  inet_listener pop3 {{
    port = 0
  }}
  inet_listener pop3s {{
    address = 127.0.0.1
    port = {p3}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {p2}
  }}
  unix_listener lmtp {{
    mode = 0
  }}
  process_limit = 64
}}
service anvil {{
  client_limit = {n4}
}}
service auth {{
  client_limit = {n4}
}}
""".format(d=self.dir, pid=os.getpid(), internal=internal, login=login,
           internal_group=internal if os.geteuid() != 0 else 'dovecot',
           uid=self.mail_uid, gid=self.mail_gid, mail=self.mail_root, fsync=fsync,
           n=n, n4=4 * n + 100, p0=ports[0], p1=ports[1], p2=ports[2], p3=ports[3],
           location=('mdbox:~/mdbox' if mail_format == 'mdbox' else 'maildir:~/Maildir'),
           imap_service=self._imap_service(n))
        with open(self.config, 'w') as f:
            f.write(conf)

    def set_fsync(self, fsync):
        """Rewrites mail_fsync (a bulk load may run with 'never', the measurement with
        the profile's value); takes effect at the next start()."""
        with open(self.config) as f:
            conf = f.read()
        conf = re.sub(r'(?m)^mail_fsync = .*$', 'mail_fsync = %s' % fsync, conf)
        with open(self.config, 'w') as f:
            f.write(conf)
        self.fsync = fsync

    def _imap_service(self, n):
        """The body of `service imap { }`. High-performance: service_count = 0 lets
        one process serve session after session, process_min_avail = cores keeps one
        per core ready and client_limit lets each hold many sessions (every user
        has the same uid, which Dovecot requires for that)."""
        if not self.high_performance:
            return '  process_limit = %d\n' % n
        cores = os.cpu_count() or 1
        return ('  service_count = 0\n  process_min_avail = %d\n  process_limit = %d\n'
                '  client_limit = %d\n' % (cores, max(cores, 4), n))

    def _make_cert(self):
        subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
                        '-subj', '/CN=localhost', '-keyout', os.path.join(self.dir, 'key.pem'),
                        '-out', os.path.join(self.dir, 'cert.pem')],
                       check=True, capture_output=True, timeout=60)

    def start(self, timeout=30):
        self.imap_starttls, self.imap_implicit, self.lmtp = self._addresses
        logf = open(os.path.join(self.dir, 'dovecot.stderr'), 'ab')
        self.proc = subprocess.Popen(['dovecot', '-F', '-c', self.config],
                                     stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                     start_new_session=True)
        logf.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError('dovecot exited with %s:\n%s' % (self.proc.returncode,
                                                                    self.log_tail()))
            for a in self._addresses:
                try:
                    socket.create_connection(split_hostport(a), timeout=1).close()
                except OSError:
                    return False
            return True
        wait_until(ready, timeout, 'dovecot listeners')
        return self

    def stop(self, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self._kill_group()
        return self.proc.returncode

    def _kill_group(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self):
        self._kill_group()
        self.proc.wait(10)
        # children may take a moment to go
        time.sleep(0.5)

    def reset_addresses(self):
        pass

    @staticmethod
    def imap_form(stored):
        return stored.replace(b'\0', b'\x80')

    @staticmethod
    def strip_added(fetched):
        if fetched.startswith(b'Return-Path: '):
            return fetched[fetched.index(b'\r\n') + 2:]
        return fetched

    def add_user(self, name, password):
        if self.password_scheme == 'ARGON2ID':
            secret = '{ARGON2ID}' + argon2id_hash(password)
        else:
            secret = '{PLAIN}' + password
        with open(self.passwd, 'a') as f:
            f.write('%s:%s::::::\n' % (name, secret))


def argon2id_hash(password, opslimit=2, memlimit=19 * 1024 * 1024):
    """An argon2id PHC string from libsodium's crypto_pwhash_str_alg with loftd's
    parameters (base/password.cc: opslimit 2, 19 MiB); Dovecot's ARGON2ID scheme
    verifies such strings with the same library."""
    import ctypes
    import ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library('sodium') or 'libsodium.so.23')
    if lib.sodium_init() < 0:
        raise RuntimeError('sodium_init failed')
    out = ctypes.create_string_buffer(128)  # crypto_pwhash_STRBYTES
    pw = password.encode()
    lib.crypto_pwhash_str_alg.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulonglong,
                                          ctypes.c_ulonglong, ctypes.c_size_t, ctypes.c_int]
    alg = lib.crypto_pwhash_alg_argon2id13()
    if lib.crypto_pwhash_str_alg(out, pw, len(pw), opslimit, memlimit, alg) != 0:
        raise RuntimeError('crypto_pwhash_str_alg failed')
    return out.value.decode()


def dovecot_label(mail_format, high_performance, fsync):
    """'dovecot mdbox hp fsync=optimized' style names for benchmark tables."""
    return 'dovecot %s%s fsync=%s' % (mail_format, ' hp' if high_performance else '', fsync)


# The Dovecot configurations the benchmarks compare against (tools/bench/README.md):
# its best (mdbox, high-performance process model, Dovecot's default
# mail_fsync = optimized), the same syncing every write (loftd acknowledges only
# after an fdatasync), and a default-like Maildir.
# Passwords are argon2id with loftd's parameters in every profile but
# mdbox-hp-plainpw: passwords stored in clear, so that no LOGIN hashes anything
# (no site should run it; it bounds what Dovecot's LOGIN could cost).
DOVECOT_PROFILES = {
    'mdbox-hp': dict(mail_format='mdbox', high_performance=True, fsync='optimized'),
    'mdbox-hp-fsync': dict(mail_format='mdbox', high_performance=True, fsync='always'),
    'maildir': dict(mail_format='maildir', high_performance=False, fsync='optimized'),
    'maildir-fsync': dict(mail_format='maildir', high_performance=False, fsync='always'),
    'mdbox-hp-plainpw': dict(mail_format='mdbox', high_performance=True, fsync='optimized'),
}
for _name, _profile in DOVECOT_PROFILES.items():
    _profile['password_scheme'] = 'PLAIN' if _name.endswith('-plainpw') else 'ARGON2ID'


def dovecot_profile(name, **kw):
    """A DovecotServer in one of DOVECOT_PROFILES (extra keywords pass through)."""
    if name not in DOVECOT_PROFILES:
        raise ValueError('unknown Dovecot profile %r (%s)' % (name, ', '.join(DOVECOT_PROFILES)))
    args = dict(DOVECOT_PROFILES[name])
    args.update(kw)
    return DovecotServer(**args)


def start_loft_and_dovecot(test, profile='maildir', **loft_kw):
    """A started loftd (LoftServer keywords) and private Dovecot (a
    DOVECOT_PROFILES name) for a differential test; test's cleanups stop and
    remove both."""
    loft = LoftServer(**loft_kw)
    dove = dovecot_profile(profile)
    test.addCleanup(loft.cleanup)
    test.addCleanup(dove.cleanup)
    loft.start()
    test.addCleanup(loft.stop)
    dove.start()
    test.addCleanup(dove.stop)
    return loft, dove


def ensure_system_user(name):
    import pwd
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(['useradd', '--system', '--no-create-home', '--shell', '/usr/sbin/nologin',
                        '--user-group', name], check=True, timeout=60)


def make_server(**kw):
    """The server under test: loftd unless E2E_SERVER=dovecot (the default Maildir
    configuration) or E2E_SERVER=dovecot-PROFILE with a DOVECOT_PROFILES name
    (dovecot-mdbox-hp, ...)."""
    which = os.environ.get('E2E_SERVER', 'loftd')
    if which.startswith('dovecot'):
        kw.pop('max_message_size', None)
        kw.pop('max_line', None)
        if which == 'dovecot':
            return DovecotServer(**kw)
        return dovecot_profile(which[len('dovecot-'):], **kw)
    if which != 'loftd':
        raise ValueError('E2E_SERVER: loftd, dovecot or dovecot-PROFILE, not %r' % which)
    return LoftServer(**kw)


def is_loft(server):
    return isinstance(server, LoftServer)


# ---------------------------------------------------------------------------
# Private Postfix instances (test_postfix.py, test_clients.py)

POSTFIX_MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup     unix  n - n 60   1 pickup
cleanup    unix  n - n -    0 cleanup
qmgr       unix  n - n 300  1 qmgr
rewrite    unix  - - n -    - trivial-rewrite
bounce     unix  - - n -    0 bounce
defer      unix  - - n -    0 bounce
trace      unix  - - n -    0 bounce
verify     unix  - - n -    1 verify
flush      unix  n - n 1000? 0 flush
proxymap   unix  - - n -    - proxymap
proxywrite unix  - - n -    1 proxymap
smtp       unix  - - n -    - smtp
relay      unix  - - n -    - smtp
showq      unix  n - n -    - showq
error      unix  - - n -    - error
retry      unix  - - n -    - error
discard    unix  - - n -    - discard
lmtp       unix  - - n -    - lmtp
anvil      unix  - - n -    1 anvil
scache     unix  - - n -    1 scache
postlog    unix-dgram n - n - 1 postlogd
"""


def write_postfix_master_cf(config_dir, smtp_port):
    """master.cf of a private Postfix: an smtpd on 127.0.0.1:smtp_port, no
    chroot (column 5 'n'), the services a relay to LMTP needs, and postlogd
    for maillog_file."""
    with open(os.path.join(config_dir, 'master.cf'), 'w') as f:
        f.write(POSTFIX_MASTER_CF.format(port=smtp_port))


# ---------------------------------------------------------------------------
# Test-runner glue


def run_unittest(name):
    """Runs the calling module's unittest tests, prints a one-line summary and exits
    non-zero on failure or when nothing ran."""
    import unittest
    main_mod = sys.modules['__main__']
    suite = unittest.defaultTestLoader.loadTestsFromModule(main_mod)
    runner = unittest.TextTestRunner(verbosity=2, stream=sys.stdout)
    t0 = time.monotonic()
    res = runner.run(suite)
    failed = len(res.failures) + len(res.errors) + len(res.unexpectedSuccesses)
    passed = max(0, res.testsRun - failed - len(res.skipped))
    print('%s [%s]: %d passed, %d failed, %d skipped in %.1fs'
          % (name, os.environ.get('E2E_SERVER', 'loftd'), passed, failed,
             len(res.skipped), time.monotonic() - t0), flush=True)
    sys.exit(0 if failed == 0 and (res.testsRun > 0 or res.skipped) else 1)


# ---------------------------------------------------------------------------
# Memory of a running server (Linux /proc)


def vm_rss_kib(pid):
    """The resident size of process pid, in KiB."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    raise AssertionError('no VmRSS')


class RssSampler(threading.Thread):
    """Samples a resident size until stopped (bounded: 15 min): loftd's by pid,
    or, given server=, the sum over all of that server's processes (Dovecot
    has several)."""

    def __init__(self, pid=None, server=None, interval=0.005):
        super().__init__(daemon=True)
        self.pid, self.server, self.interval = pid, server, interval
        self.peak, self.stopped = 0, threading.Event()

    def sample(self):
        return memory_kib(self.server.pids())[0] if self.server else vm_rss_kib(self.pid)

    def run(self):
        deadline = time.monotonic() + 900
        while not self.stopped.is_set() and time.monotonic() < deadline:
            self.peak = max(self.peak, self.sample())
            time.sleep(self.interval)

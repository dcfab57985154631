"""What the real-client tests compare: a mailbox tree as {folder: {message id: (flags,
body digest)}}, read from an IMAP account (imaplib) or from a local Maildir, plus
the server certificate for clients that verify it and a peak-RSS sampler.

A message is named by its Message-ID header; its digest covers the whole message
minus the headers a client may add on upload (X-TUID from mbsync, Return-Path from
Dovecot's delivery) with line ends normalised, so a changed byte shows up.
"""

import hashlib
import os
import re
import ssl
import threading
import time

import loftlib

# IMAP system flags <-> Maildir info letters (Maildir spec; mbsync maps the same five)
MAILDIR_FLAGS = {'D': '\\Draft', 'F': '\\Flagged', 'R': '\\Answered', 'S': '\\Seen',
                 'T': '\\Deleted'}
_DROP_HEADERS = re.compile(rb'^(X-TUID|Return-Path):[^\n]*\n', re.I | re.M)
_MSGID = re.compile(rb'^Message-ID:\s*(<[^>\r\n]*>)', re.I | re.M)
_LIST = re.compile(rb'^\((?P<attrs>[^)]*)\) (?:"(?P<sep>[^"]*)"|NIL) (?P<name>.*)$')


def digest(raw):
    """(message id, digest) of a raw message; the digest ignores CRLF vs LF and the
    headers clients or servers add."""
    text = raw.replace(b'\r\n', b'\n')
    head_end = text.find(b'\n\n')
    head, body = (text, b'') if head_end < 0 else (text[:head_end + 1], text[head_end + 1:])
    head = _DROP_HEADERS.sub(b'', head)
    m = _MSGID.search(head)
    if not m:
        raise ValueError('message without Message-ID: %r' % raw[:200])
    return m.group(1).decode(), hashlib.sha256(head + body).hexdigest()[:16]


def server_cert_pem(address, path):
    """Writes the PEM certificate the server at address presents (implicit TLS) to
    path, for clients that pin it (mbsync CertificateFile, neomutt certificate_file)."""
    host, port = loftlib.split_hostport(address)
    pem = ssl.get_server_certificate((host, port), timeout=30)
    with open(path, 'w') as f:
        f.write(pem)
    return path


def imap_login(address, user, password, timeout=120):
    m = loftlib.imap_connect(address, 'implicit', timeout=timeout)
    typ, data = m.login(user, password)
    if typ != 'OK':
        raise loftlib.ProtocolError('LOGIN %s: %r' % (user, data))
    return m


def quote(name):
    return '"%s"' % name.replace('\\', '\\\\').replace('"', '\\"')


def list_folders(m):
    """Selectable folder names of LIST "" "*" (names as sent: ASCII in these tests)."""
    typ, data = m.list('""', '*')
    if typ != 'OK':
        raise loftlib.ProtocolError('LIST: %r' % data)
    out = []
    for item in data:
        if isinstance(item, tuple):  # the name came as a literal
            head, name = item[0], item[1]
            mm = _LIST.match(head + b'x')
            attrs = mm.group('attrs') if mm else b''
        else:
            mm = _LIST.match(item)
            if not mm:
                raise loftlib.ProtocolError('unparsed LIST line %r' % item)
            attrs, name = mm.group('attrs'), mm.group('name')
            if name.startswith(b'"'):
                name = re.sub(rb'\\(.)', rb'\1', name[1:-1])
        if b'\\noselect' in attrs.lower() or b'\\nonexistent' in attrs.lower():
            continue
        out.append(name.decode())
    return sorted(out)


def imap_folder(m, folder, bodies=True):
    """{message id: (flags, digest or None)} of one folder; raises on a duplicate
    Message-ID (a message that arrived twice)."""
    typ, data = m.select(quote(folder), readonly=True)
    if typ != 'OK':
        raise loftlib.ProtocolError('SELECT %s: %r' % (folder, data))
    if int(data[0]) == 0:
        return {}
    item = 'BODY.PEEK[]' if bodies else 'BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]'
    out = {}
    for msg in loftlib.fetch_all(m, '(UID FLAGS %s)' % item):
        raw = msg.get('BODY[]' if bodies else 'BODY[HEADER.FIELDS (MESSAGE-ID)]')
        if raw is None:
            raise loftlib.ProtocolError('FETCH without the message in %s: %r' % (folder, msg))
        if bodies:
            mid, dg = digest(raw)
        else:
            mid, dg = _MSGID.search(raw).group(1).decode(), None
        flags = frozenset(f for f in msg.get('FLAGS', '').split() if f != '\\Recent')
        if mid in out:
            raise AssertionError('%s holds %s twice' % (folder, mid))
        out[mid] = (flags, dg)
    return out


def imap_tree(address, user, password, bodies=True):
    """{folder: imap_folder(...)} over every selectable folder of the account."""
    m = imap_login(address, user, password)
    try:
        return {f: imap_folder(m, f, bodies) for f in list_folders(m)}
    finally:
        m.logout()


def maildir_flags(filename):
    info = filename.rpartition(':2,')[2] if ':2,' in filename else ''
    return frozenset(MAILDIR_FLAGS[c] for c in info if c in MAILDIR_FLAGS)


def maildir_tree(root, inbox):
    """{folder: {message id: (flags, digest)}} of an mbsync Maildir tree with
    `SubFolders Verbatim` (folder a/b is root/a/b) and INBOX at `inbox`."""
    out = {}
    for dirpath, dirnames, _ in os.walk(root):
        dirnames.sort()
        if not os.path.isdir(os.path.join(dirpath, 'cur')):
            continue
        if os.path.abspath(dirpath) == os.path.abspath(inbox):
            name = 'INBOX'
        else:
            name = os.path.relpath(dirpath, root)
        folder = {}
        for sub in ('new', 'cur'):
            for fn in sorted(os.listdir(os.path.join(dirpath, sub))):
                with open(os.path.join(dirpath, sub, fn), 'rb') as f:
                    mid, dg = digest(f.read())
                if mid in folder:
                    raise AssertionError('%s holds %s twice (local)' % (name, mid))
                folder[mid] = (maildir_flags(fn), dg)
        out[name] = folder
    return out


def diff_trees(a, b, names=('a', 'b'), limit=10):
    """Human-readable differences between two trees ([] when equal)."""
    out = []
    for folder in sorted(set(a) | set(b)):
        # A server may create empty folders of its own: the special-use ones of a
        # new account (RFC 6154) and the parents of a new nested folder.
        if not a.get(folder) and not b.get(folder):
            continue
        if folder not in a or folder not in b:
            out.append('folder %s only in %s' % (folder, names[0] if folder in a else names[1]))
            continue
        fa, fb = a[folder], b[folder]
        for mid in sorted(set(fa) | set(fb)):
            if fa.get(mid) != fb.get(mid):
                out.append('%s %s: %s=%s %s=%s' % (folder, mid, names[0], fa.get(mid),
                                                   names[1], fb.get(mid)))
    return out[:limit] + (['... %d more' % (len(out) - limit)] if len(out) > limit else [])


class PeakRss:
    """Samples the server's RSS (KiB, summed over its processes) every `interval`
    seconds in a thread until stop(); .peak is the largest sample."""

    def __init__(self, server, interval=0.2):
        self.server, self.interval = server, interval
        self.peak = self.first = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.first = self.server.memory_kib()[0]
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.memory_kib()[0])
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(10)
        self.peak = max(self.peak, self.server.memory_kib()[0])


def elapsed(t0):
    return '%.1fs' % (time.monotonic() - t0)

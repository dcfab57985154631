#!/usr/bin/env python3
"""Exim in front of Loft, as docs/exim.md sets it up. Debian's exim4 and postfix
packages conflict, so Exim runs from its packages' files unpacked into a
folder (`apt-get download exim4-daemon-light exim4-base`, `dpkg-deb -x`;
cached in $LOFT_EXIM_DIR, default /tmp/loft-exim-pkg) with a private
configuration, spool and log. Its binary looks up the compiled-in user
Debian-exim at start: it runs in a private mount namespace (`unshare -m`)
where /etc/passwd and /etc/group are bind-mounted copies naming that user;
nothing system-wide changes. Corpus messages go in over SMTP and must arrive
byte for byte after Loft's trace fields and Exim's Received field. Needs
root; skipped when the packages cannot be had."""

import glob
import grp
import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
import test_postfix  # noqa: E402  (corpus filter and Loft's trace pattern)

N_MESSAGES = 30
USERS = {'alice': 'a-secret', 'bob': 'b-secret'}
PKG_DIR = os.environ.get('LOFT_EXIM_DIR', '/tmp/loft-exim-pkg')
EXIM_RECEIVED = re.compile(rb'^Received: from [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*')


def exim_binary():
    """The unpacked exim4 binary, downloading and unpacking the packages once."""
    exe = os.path.join(PKG_DIR, 'root', 'usr', 'sbin', 'exim4')
    if os.path.exists(exe):
        return exe
    if os.geteuid() != 0 or not shutil.which('apt-get') or not shutil.which('unshare'):
        return None
    os.makedirs(PKG_DIR, exist_ok=True)
    r = subprocess.run(['apt-get', 'download', 'exim4-daemon-light', 'exim4-base'], cwd=PKG_DIR,
                       capture_output=True, timeout=300)
    debs = glob.glob(os.path.join(PKG_DIR, '*.deb'))
    if r.returncode != 0 or len(debs) < 2:
        return None
    for deb in debs:
        subprocess.run(['dpkg-deb', '-x', deb, os.path.join(PKG_DIR, 'root')], check=True, timeout=120)
    return exe if os.path.exists(exe) else None


def exim_conf(exe, d, port, lmtp_socket):
    """docs/exim.md's router and transport, plus what a private instance needs."""
    return '''\
exim_path = {exe}
primary_hostname = mx.test
spool_directory = {d}/spool
log_file_path = {d}/log/%slog
daemon_smtp_ports = {port}
local_interfaces = 127.0.0.1
domainlist local_domains = example.org
hostlist relay_from_hosts = 127.0.0.1
acl_smtp_rcpt = acl_check_rcpt
message_size_limit = 50M
# docs/exim.md: keep a Return-Path header the sender put there
return_path_remove = false

begin acl
acl_check_rcpt:
  accept hosts = +relay_from_hosts
         domains = +local_domains
  deny

begin routers
loft:
  driver = accept
  domains = +local_domains
  transport = loft_lmtp

begin transports
loft_lmtp:
  driver = lmtp
  socket = {sock}
  batch_max = 50
  user = nobody

begin retry
*   *   F,1h,1m
'''.format(exe=exe, d=d, port=port, sock=lmtp_socket)


class PrivateExim:
    def __init__(self, exe, d, lmtp_socket):
        self.exe, self.dir = exe, d
        self.port = loftlib.free_port()
        for sub in ('spool', 'log'):
            os.makedirs(os.path.join(d, sub))
            shutil.chown(os.path.join(d, sub), 'nobody', grp.getgrgid(65534).gr_name)
        self.conf = os.path.join(d, 'exim.conf')
        with open(self.conf, 'w') as f:
            f.write(exim_conf(exe, d, self.port, lmtp_socket))
        os.chmod(self.conf, 0o644)
        # The namespace's passwd/group: the host's plus Debian-exim.
        with open('/etc/passwd') as f, open(os.path.join(d, 'passwd'), 'w') as out:
            out.write(f.read() + 'Debian-exim:x:65534:65534::%s:/usr/sbin/nologin\n' % d)
        with open('/etc/group') as f, open(os.path.join(d, 'group'), 'w') as out:
            out.write(f.read() + 'Debian-exim:x:65534:\n')
        self.proc = None

    def start(self):
        script = ('mount --bind {d}/passwd /etc/passwd && mount --bind {d}/group /etc/group && '
                  'exec {exe} -C {conf} -bdf -q10s').format(d=self.dir, exe=self.exe, conf=self.conf)
        self.proc = subprocess.Popen(['unshare', '-m', 'sh', '-c', script],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def listening():
            if self.proc.poll() is not None:
                raise RuntimeError('exim exited %s:\n%s' % (self.proc.returncode, self.log()))
            try:
                smtplib.SMTP('127.0.0.1', self.port, timeout=5).quit()
                return True
            except OSError:
                return False
        loftlib.wait_until(listening, 30, 'exim daemon')

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def log(self):
        out = []
        for name in ('mainlog', 'paniclog', 'rejectlog'):
            try:
                with open(os.path.join(self.dir, 'log', name), errors='replace') as f:
                    out.append(f.read()[-3000:])
            except OSError:
                pass
        return '\n'.join(out)


EXIM = exim_binary()


@unittest.skipUnless(EXIM, 'needs root and the exim4 packages (apt-get download)')
class EximTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = loftlib.tempfile.mkdtemp(prefix='loft-exim-')
        os.chmod(cls.tmp, 0o755)
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        sock = os.path.join(cls.tmp, 'loft-lmtp')
        cls.server = loftlib.LoftServer(
            extra_listeners=[('imap', '127.0.0.1:0', 'none', True), ('lmtp', 'unix:' + sock, 'none', False)],
            lmtp=['trace_headers = true'])
        cls.addClassCleanup(cls.server.cleanup)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()
        for u, p in USERS.items():
            cls.server.add_user(u, p)
        cls.exim = PrivateExim(EXIM, os.path.join(cls.tmp, 'exim'), sock)
        cls.exim.start()
        cls.addClassCleanup(cls.exim.stop)

    def imap(self, user):
        host, port = loftlib.split_hostport(self.server.listener('imap', 'none'))
        m = imaplib.IMAP4(host, port, timeout=30)
        m.login(user, USERS[user])
        return m

    def count(self, user):
        m = self.imap(user)
        try:
            return int(m.select('INBOX', readonly=True)[1][0])
        finally:
            m.logout()

    def test_corpus_through_exim_arrives_byte_exact(self):
        corpus = [(rel, raw) for rel, raw in loftlib.load_corpus(N_MESSAGES * 3)
                  if b'\0' not in raw and b'\r' not in raw.replace(b'\r\n', b'')
                  and re.match(rb'[!-9;-~]+:', raw) and test_postfix.well_formed_header(raw)][:N_MESSAGES]
        self.assertGreaterEqual(len(corpus), N_MESSAGES // 2)
        expected = {u: [] for u in USERS}
        with smtplib.SMTP('127.0.0.1', self.exim.port, timeout=60) as s:
            for i, (rel, raw) in enumerate(corpus):
                users = ['alice', 'bob'] if i % 3 else ['alice']
                crlf = loftlib.normalize_crlf(raw)
                s.sendmail('sender%d@example.com' % i, ['%s@example.org' % u for u in users], crlf)
                for u in users:
                    expected[u].append(crlf)
        try:
            loftlib.wait_until(lambda: all(self.count(u) >= len(expected[u]) for u in USERS), 120,
                               'every message through Exim', interval=0.5)
        except TimeoutError:
            self.fail('not delivered; Exim log:\n%s' % self.exim.log())
        for u in USERS:
            m = self.imap(u)
            try:
                self.assertEqual(loftlib.select(m), len(expected[u]))
                stored = [x['BODY[]'] for x in loftlib.fetch_all(m)]
            finally:
                m.logout()
            got = []
            for s in stored:
                t = test_postfix.LOFT_TRACE.match(s)
                self.assertTrue(t, s[:300])
                rest = s[t.end():]
                e = EXIM_RECEIVED.match(rest)
                self.assertTrue(e and b'by mx.test with esmtp (Exim' in e.group(0), rest[:300])
                got.append(rest[e.end():])
            missing = [x for x in expected[u] if x not in got]
            self.assertEqual(missing, [], 'bytes differ for %s: %r' % (u, [(x[:80], len(x)) for x in missing]))


if __name__ == '__main__':
    loftlib.run_unittest(__name__)

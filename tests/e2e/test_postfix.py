#!/usr/bin/env python3
"""Postfix in front of Loft, as docs/postfix.md sets it up: a private Postfix
(its own config directory, queue and log under a temp dir, SMTP on a loopback
port, `postfix -c DIR start`, nothing system-wide) relays example.org over
LMTP to loftd's UNIX socket (socket_group = postfix, mode 0660). Corpus
messages go in over SMTP to one or two recipients; every byte must arrive:
what IMAP returns is Loft's trace fields, Postfix's Received field, then the
message as sent. Needs root and Debian's postfix package (skipped otherwise)."""

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

N_MESSAGES = 40
USERS = {'alice': 'a-secret', 'bob': 'b-secret'}
POSTFIX = shutil.which('postfix') or '/usr/sbin/postfix'
LOFT_TRACE = re.compile(rb'^Return-Path: <[^>]*>\r\n(?:Delivered-To: [^\r\n]*\r\n)?'
                        rb'Received: from [^\r\n]*\r\n\tby localhost with LMTP\r\n\tid [^\r\n;]*'
                        rb'(?:\r\n\t\(envelope-from <[^>]*>\))?(?:\r\n\tfor <[^>]*>)?; [^\r\n]*\r\n')
POSTFIX_RECEIVED = re.compile(rb'^Received: from [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*')


def well_formed_header(raw):
    """True when every line up to the first empty one is a header field or its
    continuation: Postfix ends the header at any other line with a blank line."""
    for line in re.split(rb'\r?\n', raw):
        if not line:
            return True
        if not re.match(rb'[!-9;-~]+:|[ \t]', line):
            return False
    return True


def main_cf(d, lmtp_socket, smtp_port):
    """docs/postfix.md's settings, plus what a private instance needs."""
    return '\n'.join([
        'compatibility_level = 3.6',
        # private instance: everything under d
        'queue_directory = %s/queue' % d,
        'data_directory = %s/data' % d,
        'maillog_file = %s/maillog' % d,
        'maillog_file_prefixes = %s' % d,
        'inet_interfaces = 127.0.0.1',
        'inet_protocols = ipv4',
        'myhostname = mx.test',
        'mydestination =',
        'mynetworks = 127.0.0.0/8',
        'smtpd_relay_restrictions = permit_mynetworks, reject',
        'message_size_limit = 52428800',
        # docs/postfix.md: the domain Loft serves, handed over LMTP
        'virtual_mailbox_domains = example.org',
        'virtual_transport = lmtp:unix:%s' % lmtp_socket,
        'lmtp_destination_recipient_limit = 50',
        # docs/postfix.md: deliver what was received, byte for byte
        'local_header_rewrite_clients =',
        'always_add_missing_headers = no',
        'message_drop_headers =',
        'disable_mime_output_conversion = yes',
        'lmtp_line_length_limit = 0',
        'smtp_line_length_limit = 0',
        'line_length_limit = 1048576',
        'header_size_limit = 1048576',
        '',
    ])


class PrivatePostfix:
    def __init__(self, d, lmtp_socket):
        self.dir = d
        self.conf = os.path.join(d, 'conf')
        self.port = loftlib.free_port()
        os.makedirs(self.conf)
        for sub in ('queue', 'data'):
            os.makedirs(os.path.join(d, sub))
        shutil.chown(os.path.join(d, 'data'), 'postfix')
        with open(os.path.join(self.conf, 'main.cf'), 'w') as f:
            f.write(main_cf(d, lmtp_socket, self.port))
        loftlib.write_postfix_master_cf(self.conf, self.port)

    def postfix(self, verb):
        return subprocess.run([POSTFIX, '-c', self.conf, verb], capture_output=True, text=True, timeout=60)

    def log(self):
        try:
            with open(os.path.join(self.dir, 'maillog'), errors='replace') as f:
                return f.read()[-4000:]
        except OSError:
            return '(no maillog)'

    def start(self):
        r = self.postfix('start')
        if r.returncode != 0:
            raise RuntimeError('postfix start: %s%s\n%s' % (r.stdout, r.stderr, self.log()))

        def listening():
            try:
                smtplib.SMTP('127.0.0.1', self.port, timeout=5).quit()
                return True
            except OSError:
                return False
        loftlib.wait_until(listening, 30, 'postfix smtpd')

    def stop(self):
        try:
            with open(os.path.join(self.dir, 'queue', 'pid', 'master.pid')) as f:
                pid = int(f.read().strip())
        except (OSError, ValueError):
            pid = None
        self.postfix('stop')
        if pid:
            loftlib.wait_until(lambda: not os.path.exists('/proc/%d' % pid), 30, 'postfix master exit')


def usable():
    if os.geteuid() != 0 or not os.path.exists(POSTFIX):
        return False
    try:
        grp.getgrnam('postfix')
    except KeyError:
        return False
    return True


@unittest.skipUnless(usable(), 'needs root and the postfix package')
class PostfixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = loftlib.tempfile.mkdtemp(prefix='loft-postfix-')
        os.chmod(cls.tmp, 0o755)
        cls.addClassCleanup(shutil.rmtree, cls.tmp, True)
        sock = os.path.join(cls.tmp, 'loft-lmtp')
        cls.server = loftlib.LoftServer(
            extra_listeners=[('imap', '127.0.0.1:0', 'none', True),
                             ('lmtp', 'unix:' + sock, 'none', False,
                              ['socket_mode = "0660"', 'socket_group = "postfix"'])],
            lmtp=['trace_headers = true'])
        cls.addClassCleanup(cls.server.cleanup)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()
        for u, p in USERS.items():
            cls.server.add_user(u, p)
        cls.postfix = PrivatePostfix(os.path.join(cls.tmp, 'postfix'), sock)
        cls.postfix.start()
        cls.addClassCleanup(cls.postfix.stop)

    def count(self, user):
        host, port = loftlib.split_hostport(self.server.listener('imap', 'none'))
        m = imaplib.IMAP4(host, port, timeout=30)
        try:
            m.login(user, USERS[user])
            return int(m.select('INBOX', readonly=True)[1][0])
        finally:
            m.logout()

    def fetch(self, user):
        host, port = loftlib.split_hostport(self.server.listener('imap', 'none'))
        m = imaplib.IMAP4(host, port, timeout=30)
        try:
            m.login(user, USERS[user])
            if int(m.select('INBOX', readonly=True)[1][0]) == 0:
                return []
            return [x['BODY[]'] for x in loftlib.fetch_all(m)]
        finally:
            m.logout()

    def test_corpus_through_postfix_arrives_byte_exact(self):
        # Messages with a bare CR or a NUL are left to the LMTP tests: SMTP
        # clients and Postfix's smtpd do not pass them on unchanged.
        # A message must start with a header field: Postfix puts a blank line
        # before anything else (an mbox "From " line, a line of spaces).
        corpus = [(rel, raw) for rel, raw in loftlib.load_corpus(N_MESSAGES * 2)
                  if b'\0' not in raw and b'\r' not in raw.replace(b'\r\n', b'')
                  and re.match(rb'[!-9;-~]+:', raw) and well_formed_header(raw)][:N_MESSAGES]
        self.assertGreaterEqual(len(corpus), N_MESSAGES // 2)
        expected = {u: [] for u in USERS}
        with smtplib.SMTP('127.0.0.1', self.postfix.port, timeout=60) as s:
            for i, (rel, raw) in enumerate(corpus):
                users = ['alice', 'bob'] if i % 3 else ['alice']
                crlf = loftlib.normalize_crlf(raw)  # smtplib sends bytes as they are
                s.sendmail('sender%d@example.com' % i, ['%s@example.org' % u for u in users], crlf)
                for u in users:
                    expected[u].append(crlf)

        def arrived():
            return all(self.count(u) >= len(expected[u]) for u in USERS)
        try:
            loftlib.wait_until(arrived, 120, 'every message through Postfix', interval=0.5)
        except TimeoutError:
            self.fail('not delivered; Postfix log:\n%s' % self.postfix.log())
        for u in USERS:
            got = []
            for stored in self.fetch(u):
                m = LOFT_TRACE.match(stored)
                self.assertTrue(m, stored[:300])
                rest = stored[m.end():]
                p = POSTFIX_RECEIVED.match(rest)
                self.assertTrue(p and b'by mx.test (Postfix)' in p.group(0), rest[:300])
                got.append(rest[p.end():])
            self.assertEqual(len(got), len(expected[u]))
            missing = [e for e in expected[u] if e not in got]
            self.assertEqual(missing, [], 'bytes differ for %s: %r' % (u, [(m[:80], len(m)) for m in missing]))
        self.assertIn('status=sent', self.postfix.log())


if __name__ == '__main__':
    loftlib.run_unittest(__name__)

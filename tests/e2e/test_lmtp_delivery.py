#!/usr/bin/env python3
"""LMTP delivery policy end to end: addressing (case, local domains, +detail
folders, aliases with SIGHUP reload), per-recipient outcomes after DATA and
BDAT (over quota 552 5.2.2, declared SIZE over quota at RCPT, a temporary
failure for one recipient only), duplicate suppression within a transaction,
Dovecot-style trace headers with the body otherwise byte-exact, BDAT with
binary content, SMTPUTF8, and the UNIX socket listener with its mode."""

import imaplib
import os
import re
import socket
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

USERS = {'alice': 'a-secret', 'bob': 'b-secret', 'carol': 'c-secret', 'dave': 'd-secret',
         'erin': 'e-secret'}
MESSAGE = (b'From: sender@example.com\r\nTo: alice@example.org\r\nSubject: policy test\r\n'
           b'Message-ID: <policy-%d@example.com>\r\n\r\nbody line\r\n.. leading dot\r\n')
TRACE = re.compile(rb'^Return-Path: <([^>]*)>\r\n'
                   rb'(?:Delivered-To: ([^\r\n]*)\r\n)?'
                   rb'Received: from ([^\r\n]*)\r\n'
                   rb'\tby localhost with (LMTP|UTF8LMTP)\r\n'
                   rb'\tid [0-9a-f]+\.[0-9a-f]+'
                   rb'(?:\r\n\t\(envelope-from <([^>]*)>\))?'
                   rb'(?:\r\n\tfor <([^>]*)>)?; [A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000\r\n')


class UnixLMTP(loftlib.LMTPClient):
    """LMTPClient over a UNIX socket (Postfix's lmtp:unix:)."""

    def __init__(self, path, timeout=30.0):  # pylint: disable=super-init-not-called
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.buf = b''
        self.greeting = self.reply()
        code, text = self.cmd('LHLO mx.example.org')
        assert code == 250, (code, text)
        self.extensions = [l.upper() for l in text.split('\n')[1:]]


def split_trace(stored):
    """(match, rest) for a stored message that starts with trace headers."""
    m = TRACE.match(stored)
    if not m:
        raise AssertionError('no trace headers at the start of %r' % stored[:400])
    return m, stored[m.end():]


class LmtpPolicyTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        d = loftlib.tempfile.mkdtemp(prefix='loft-lmtp-')
        cls.addClassCleanup(loftlib.shutil.rmtree, d, True)
        cls.aliases = os.path.join(d, 'aliases')
        with open(cls.aliases, 'w') as f:
            f.write('# test aliases\npostmaster: alice\nteam@example.org: alice, bob\n')
        cls.sock_path = os.path.join(d, 'lmtp.sock')
        cls.server = loftlib.LoftServer(
            extra_listeners=[('imap', '127.0.0.1:0', 'none', True),
                             ('lmtp', 'unix:' + cls.sock_path, 'none', False, ['socket_mode = "0660"'])],
            lmtp=['trace_headers = true', 'detail_separators = "+-"', 'aliases = "%s"' % cls.aliases])
        cls.addClassCleanup(cls.server.cleanup)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()
        for u, p in USERS.items():
            cls.server.add_user(u, p)
        cls.imap_addr = cls.server.listener('imap', 'none')
        cls.serial = 0

    # --- helpers

    def message(self):
        LmtpPolicyTest.serial += 1
        return MESSAGE % LmtpPolicyTest.serial

    def lmtp(self):
        c = loftlib.LMTPClient(self.server.lmtp)
        self.addCleanup(c.quit)
        return c

    def mailbox(self, user, box='INBOX'):
        """Every stored message of a mailbox, in UID order."""
        host, port = loftlib.split_hostport(self.imap_addr)
        m = imaplib.IMAP4(host, port, timeout=30)
        try:
            m.login(user, USERS[user])
            typ, data = m.select('"%s"' % box, readonly=True)
            self.assertEqual(typ, 'OK', data)
            if int(data[0]) == 0:
                return []
            return [x['BODY[]'] for x in loftlib.fetch_all(m)]
        finally:
            m.logout()

    def deliver(self, rcpts, raw, sender='sender@example.com', pipelined=False, client=None):
        c = client or self.lmtp()
        wire, _ = loftlib.wire_data(raw)
        return c.transaction(sender, rcpts, wire, pipelined=pipelined)

    def bodies(self, user, box='INBOX'):
        return [split_trace(m)[1] for m in self.mailbox(user, box)]

    # --- addressing

    def test_case_insensitive_local_part_and_local_domains(self):
        raw = self.message()
        mail, rr, dr = self.deliver(['ALICE@Example.ORG', 'alice@elsewhere.net', 'nobody@example.org'], raw)
        self.assertEqual(rr['ALICE@Example.ORG'][0], 250)
        self.assertEqual(rr['alice@elsewhere.net'][0], 550)
        self.assertTrue(rr['alice@elsewhere.net'][1].startswith('5.1.2'), rr)
        self.assertEqual(rr['nobody@example.org'][0], 550)
        self.assertTrue(rr['nobody@example.org'][1].startswith('5.1.1'), rr)
        self.assertEqual(dr['ALICE@Example.ORG'][0], 250, dr)
        self.assertIn(loftlib.normalize_crlf(raw), self.bodies('alice'))

    def test_detail_goes_to_the_folder_when_it_exists(self):
        a, b, c, d = self.message(), self.message(), self.message(), self.message()
        for rcpt, raw in (('bob+Archive@example.org', a), ('bob+nosuch@example.org', b),
                          ('bob-Junk@example.org', c), ('bob+archive@example.org', d)):
            _, rr, dr = self.deliver([rcpt], raw)
            self.assertEqual(dr[rcpt][0], 250, (rcpt, rr, dr))
        self.assertIn(a, self.bodies('bob', 'Archive'))
        self.assertIn(c, self.bodies('bob', 'Junk'))     # the second separator
        inbox = self.bodies('bob')
        self.assertIn(b, inbox)                         # no such folder: INBOX
        self.assertIn(d, inbox)                         # folder names are case-sensitive
        self.assertNotIn(a, inbox)

    def test_aliases_and_reload_on_sighup(self):
        raw = self.message()
        _, rr, dr = self.deliver(['Postmaster@example.org', 'sales@example.org'], raw)
        self.assertEqual(dr['Postmaster@example.org'][0], 250, dr)
        self.assertEqual(rr['sales@example.org'][0], 550, rr)
        self.assertIn(raw, self.bodies('alice'))
        with open(self.aliases, 'a') as f:
            f.write('sales: carol\n')
        self.server.proc.send_signal(loftlib.signal.SIGHUP)
        loftlib.wait_until(lambda: b'aliases reloaded' in open(self.server.log_path, 'rb').read(), 10,
                           'aliases reload')
        raw2 = self.message()
        _, rr, dr = self.deliver(['sales@example.org'], raw2)
        self.assertEqual(dr['sales@example.org'][0], 250, (rr, dr))
        self.assertIn(raw2, self.bodies('carol'))

    def test_same_account_twice_in_one_transaction_is_stored_once(self):
        raw = self.message()
        before_alice, before_bob = len(self.mailbox('alice')), len(self.mailbox('bob'))
        before_archive = len(self.mailbox('alice', 'Archive'))
        rcpts = ['alice@example.org', 'ALICE', 'alice+Archive@example.org', 'team@example.org']
        _, rr, dr = self.deliver(rcpts, raw, pipelined=True)
        for r in rcpts:
            self.assertEqual(dr[r][0], 250, (r, rr, dr))
        self.assertEqual(len(self.mailbox('alice')), before_alice + 1)
        self.assertEqual(len(self.mailbox('alice', 'Archive')), before_archive)
        self.assertEqual(len(self.mailbox('bob')), before_bob + 1)

    # --- trace headers

    def test_trace_headers_as_dovecot_adds_them(self):
        raw = self.message() + b'\x00nul and bare\rcr\r\n'
        _, _, dr = self.deliver(['erin@example.org'], raw, sender='s@example.com')
        self.assertEqual(dr['erin@example.org'][0], 250, dr)
        stored = self.mailbox('erin')[-1]
        m, rest = split_trace(stored)
        self.assertEqual(rest, loftlib.LoftServer.imap_form(raw))  # IMAP sends a stored NUL as 0x80
        self.assertEqual(m.group(1), b's@example.com')
        self.assertEqual(m.group(2), b'erin@example.org')       # Delivered-To
        self.assertEqual(m.group(3), b'client.example.org ([127.0.0.1])')
        self.assertEqual(m.group(5), b's@example.com')
        self.assertEqual(m.group(6), b'erin@example.org')       # for <...>
        # Several recipients share one body: no Delivered-To, no "for".
        raw = self.message()
        _, _, dr = self.deliver(['erin', 'dave'], raw, sender='')
        stored = self.mailbox('erin')[-1]
        m, rest = split_trace(stored)
        self.assertEqual(rest, raw)
        self.assertEqual(m.group(1), b'')
        self.assertIsNone(m.group(2))
        self.assertIsNone(m.group(5))
        self.assertIsNone(m.group(6))

    # --- quota and per-recipient outcomes

    def set_quota(self, user, nbytes):
        r = self.server.ctl('quota', 'set', user, '--bytes', str(nbytes))
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_over_quota_recipients_mixed_with_good_ones(self):
        self.set_quota('carol', 3000)
        self.addCleanup(self.set_quota, 'carol', 0)
        r = self.server.ctl('quota', 'get', 'carol')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('byte_limit 3000', r.stdout)
        big = self.message() + b'x' * 4000 + b'\r\n'
        c = self.lmtp()
        # Declared SIZE over the quota: refused at RCPT (RFC 1870).
        self.assertEqual(c.cmd('MAIL FROM:<s@example.com> SIZE=%d' % len(big))[0], 250)
        code, text = c.cmd('RCPT TO:<carol@example.org>')
        self.assertEqual((code, text[:5]), (552, '5.2.2'))
        self.assertEqual(c.cmd('RCPT TO:<dave@example.org>')[0], 250)
        self.assertEqual(c.rset()[0], 250)
        # Undeclared: after DATA, pipelined, carol 552 5.2.2 and the others 250.
        _, rr, dr = self.deliver(['dave', 'carol', 'erin'], big, client=c, pipelined=True)
        self.assertEqual(dr['carol'][0], 552, dr)
        self.assertTrue(dr['carol'][1].startswith('5.2.2'), dr)
        self.assertEqual(dr['dave'][0], 250, dr)
        self.assertEqual(dr['erin'][0], 250, dr)
        self.assertIn(big, self.bodies('dave'))
        self.assertNotIn(big, self.bodies('carol'))
        # The same with BDAT chunks.
        self.assertEqual(c.cmd('MAIL FROM:<s@example.com> BODY=BINARYMIME')[0], 250)
        for r in ('dave', 'carol', 'erin'):
            self.assertEqual(c.cmd('RCPT TO:<%s>' % r)[0], 250)
        c.send(b'BDAT %d\r\n' % 1000 + big[:1000])
        self.assertEqual(c.reply()[0], 250)
        c.send(b'BDAT %d LAST\r\n' % (len(big) - 1000) + big[1000:])
        replies = [c.reply() for _ in range(3)]
        self.assertEqual([r[0] for r in replies], [250, 552, 250], replies)
        self.assertEqual(self.bodies('dave').count(big), 2)

    @unittest.skipUnless(loftlib.shutil.which('swaks'), 'swaks is not installed')
    def test_swaks_pipelined_recipients_with_one_over_quota(self):
        self.set_quota('carol', 3000)
        self.addCleanup(self.set_quota, 'carol', 0)
        before = len(self.mailbox('dave'))
        body = 'Subject: swaks\n\n' + 'z' * 5000
        r = loftlib.subprocess.run(
            ['swaks', '--server', self.server.lmtp, '--protocol', 'LMTP', '--pipeline',
             '--from', 's@example.com', '--to', 'dave@example.org,carol@example.org,erin@example.org',
             '--data', body, '--helo', 'swaks.example.org'],
            capture_output=True, text=True, timeout=60)
        out = r.stdout
        self.assertIn('PIPELINING', out)
        # After the final dot: one reply per recipient, in RCPT order (RFC 2033 §4.2).
        tail = out[out.index('\n -> .\n'):]
        codes = re.findall(r'^<(?:-|~|\*\*) +(\d{3}) (\d\.\d\.\d)', tail, re.M)
        self.assertEqual(codes[:3], [('250', '2.0.0'), ('552', '5.2.2'), ('250', '2.0.0')], out[-1500:])
        self.assertEqual(len(self.mailbox('dave')), before + 1)

    def test_temporary_failure_for_one_recipient_only(self):
        self.server.add_user('frank', 'f-secret')
        c = self.lmtp()
        raw = self.message()
        self.assertEqual(c.cmd('MAIL FROM:<s@example.com>')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<frank+Archive@example.org>')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<dave@example.org>')[0], 250)
        # The folder goes between RCPT and DATA (here with its account).
        r = self.server.ctl('user', 'delete', 'frank')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(c.cmd('DATA')[0], 354)
        c.send(loftlib.wire_data(raw)[0])
        first, second = c.reply(), c.reply()
        self.assertEqual((first[0], first[1][:5]), (451, '4.3.0'), first)
        self.assertEqual(second[0], 250, second)
        self.assertIn(raw, self.bodies('dave'))

    # --- BDAT, BINARYMIME, SMTPUTF8

    def test_lhlo_extensions(self):
        c = self.lmtp()
        for ext in ('PIPELINING', 'ENHANCEDSTATUSCODES', '8BITMIME', 'CHUNKING', 'BINARYMIME', 'SMTPUTF8'):
            self.assertIn(ext, c.extensions)
        self.assertTrue(any(e.startswith('SIZE ') for e in c.extensions), c.extensions)

    def test_bdat_binary_byte_exact_and_pipelined(self):
        raw = self.message() + bytes(range(256)) + b'\r\n.\r\nnot the end\n\r\r\n'
        c = self.lmtp()
        parts = [raw[:7], raw[7:300], raw[300:]]
        out = b'MAIL FROM:<s@example.com> BODY=BINARYMIME\r\nRCPT TO:<erin>\r\nRCPT TO:<dave>\r\n'
        for i, p in enumerate(parts):
            out += b'BDAT %d%s\r\n' % (len(p), b' LAST' if i == len(parts) - 1 else b'') + p
        c.send(out)   # everything in one write (RFC 2920)
        replies = [c.reply() for _ in range(3 + len(parts) - 1 + 2)]
        self.assertEqual([r[0] for r in replies], [250] * len(replies), replies)
        self.assertEqual(self.bodies('erin')[-1], loftlib.LoftServer.imap_form(raw))
        self.assertEqual(self.bodies('dave')[-1], loftlib.LoftServer.imap_form(raw))
        # BINARYMIME needs BDAT; BDAT 0 LAST ends a message; a refused chunk is read whole.
        self.assertEqual(c.cmd('MAIL FROM:<s@example.com> BODY=BINARYMIME')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<erin>')[0], 250)
        self.assertEqual(c.cmd('DATA')[0], 503)
        c.send(b'BDAT 5\r\nhello')
        self.assertEqual(c.reply()[0], 250)
        self.assertEqual(c.cmd('BDAT 0 LAST')[0], 250)
        self.assertEqual(self.bodies('erin')[-1], b'hello')
        c.send(b'BDAT 4\r\nNOOP')  # no MAIL: 503 after the 4 octets, which are no command
        self.assertEqual(c.reply()[0], 503)
        self.assertEqual(c.noop()[0], 250)

    def test_smtputf8(self):
        raw = 'From: jörg@example.com\r\nSubject: grüße\r\n\r\nü\r\n'.encode()
        c = self.lmtp()
        self.assertEqual(c.cmd('MAIL FROM:<jörg@example.com> SMTPUTF8 BODY=8BITMIME')[0], 250)
        self.assertEqual(c.cmd('RCPT TO:<erin>')[0], 250)
        self.assertEqual(c.cmd('DATA')[0], 354)
        c.send(loftlib.wire_data(raw)[0])
        self.assertEqual(c.reply()[0], 250)
        m, rest = split_trace(self.mailbox('erin')[-1])
        self.assertEqual(rest, raw)
        self.assertEqual(m.group(4), b'UTF8LMTP')
        self.assertEqual(m.group(1), 'jörg@example.com'.encode())

    # --- UNIX socket

    def test_unix_socket_listener(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.sock_path).st_mode), 0o660)
        c = UnixLMTP(self.sock_path)
        self.addCleanup(c.quit)
        raw = self.message()
        _, rr, dr = self.deliver(['dave@example.org'], raw, client=c)
        self.assertEqual(dr['dave@example.org'][0], 250, (rr, dr))
        m, rest = split_trace(self.mailbox('dave')[-1])
        self.assertEqual(rest, raw)
        self.assertEqual(m.group(3), b'mx.example.org')  # no IP over a UNIX socket


if __name__ == '__main__':
    loftlib.run_unittest(__name__)

#!/usr/bin/env python3
"""POP3 end to end (RFC 1939, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH PLAIN).

Starts loftd with two POP3 listeners (STLS and implicit TLS) next to the usual
IMAP/LMTP ones, delivers messages over LMTP, then checks over both POP3 ports:
STAT/LIST/UIDL/RETR byte-exact (poplib un-stuffs), TOP, DELE + QUIT durably
removing messages with the other UIDLs unchanged, RSET, the snapshot seen at
login, \\Seen after RETR (through IMAP), plaintext USER/PASS refused before STLS,
STLS injection, and bad input answered with -ERR while the session goes on.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_pop3.py
"""

import base64
import os
import poplib
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

# poplib refuses lines over 2048 bytes; RFC 1939 puts no limit on message lines.
poplib._MAXLINE = 1 << 20

USERS = {'alice': 'alice-secret', 'bob': 'bob secret with spaces', 'carol': 'carol-secret'}
MAX_LINE = 65536


def make_messages():
    """Messages (raw, before LMTP's CRLF normalisation) that exercise byte-stuffing,
    streaming across 64 KiB pieces and TOP."""
    msgs = []
    msgs.append(b'Subject: plain\r\nFrom: a@example.org\r\n\r\nHello.\r\n')
    msgs.append(b'Subject: dots\r\n\r\n.\r\n..\r\n.leading dot\r\nmiddle . dot\r\n...\r\nend\r\n')
    body = b''.join(b'%sline %d of a long message\r\n' % (b'.' if i % 7 == 0 else b'', i)
                    for i in range(60000))  # about 1.6 MB, many chunks and pieces
    msgs.append(b'Subject: big\r\nX-Pad: ' + b'p' * 3000 + b'\r\n\r\n' + body)
    msgs.append(b'Subject: no body\r\nX-Only: headers\r\n')
    msgs.append(b'Subject: top\r\n\r\nbody 1\r\nbody 2\r\n.body 3\r\nbody 4\r\n')
    msgs.append(b'.Starts-With-Dot: yes\r\n\r\n.\r\n')
    sample = corpus_sample(20)
    loftlib.log('test_pop3: %d corpus messages' % len(sample))
    for _, raw in sample:
        msgs.append(raw)
    return msgs


def corpus_sample(n):
    try:
        return loftlib.load_corpus(n)
    except OSError:
        return []


def split_stored(stored):
    """(header incl. blank line, body lines) the way TOP sees a stored message."""
    i = stored.find(b'\r\n\r\n')
    if i < 0:
        return stored, []
    return stored[:i + 4], stored[i + 4:].split(b'\r\n')[:-1]


def joined(lines):
    return b''.join(l + b'\r\n' for l in lines)


class Pop3Test(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.lmtp = None
        cls.server = loftlib.start_loft_with_pop3(USERS)
        cls.addClassCleanup(cls.stop_server)
        cls.pop3_stls, cls.pop3_tls = cls.server.pop3_stls, cls.server.pop3_tls
        cls.stored = {u: [] for u in USERS}
        cls.lmtp = loftlib.LMTPClient(cls.server.lmtp)
        for raw in make_messages():
            cls.deliver(raw, list(USERS))

    @classmethod
    def deliver(cls, raw, users):
        wire, stored = loftlib.wire_data(raw)
        mail, rr, dr = cls.lmtp.transaction('sender@example.com', ['%s@example.org' % u for u in users], wire)
        assert mail[0] == 250, mail
        for u in users:
            code, text = dr['%s@example.org' % u]
            assert code == 250, (u, code, text)
            cls.stored[u].append(stored)

    @classmethod
    def restart(cls):
        """Stops loftd and starts it again on the same data (new ports)."""
        cls.lmtp.quit()
        cls.lmtp = None
        assert cls.server.stop() == 0
        cls.server.start()
        cls.pop3_stls = cls.server.listener('pop3', 'starttls')
        cls.pop3_tls = cls.server.listener('pop3', 'implicit')
        cls.lmtp = loftlib.LMTPClient(cls.server.lmtp)

    @classmethod
    def stop_server(cls):
        if cls.lmtp:
            cls.lmtp.quit()
        rc = cls.server.stop()
        cls.server.cleanup()
        assert rc == 0, 'loftd exited with %r' % rc

    # -- helpers -----------------------------------------------------------

    def connect(self, mode, user=None):
        """mode 'stls' (plain, then STLS) or 'tls' (implicit); logs in when user given."""
        if mode == 'tls':
            host, port = loftlib.split_hostport(self.pop3_tls)
            p = poplib.POP3_SSL(host, port, context=loftlib.client_tls_context(), timeout=60)
        else:
            host, port = loftlib.split_hostport(self.pop3_stls)
            p = poplib.POP3(host, port, timeout=60)
            p.stls(context=loftlib.client_tls_context())
        if user:
            self.assertTrue(p.user(user).startswith(b'+OK'))
            self.assertTrue(p.pass_(USERS[user]).startswith(b'+OK'))
        return p

    def raw(self, tls=True):
        address = self.pop3_tls if tls else self.pop3_stls
        r = loftlib.RawConn(address, tls=tls)
        self.assertEqual(r.readline(), b'+OK Loft POP3 ready.')
        return r

    def cmd(self, r, line):
        r.send(line + b'\r\n')
        return r.readline()

    def multiline(self, r):
        lines = []
        while True:
            line = r.readline()
            if line == b'.':
                return lines
            lines.append(line)

    def check_maildrop(self, p, expected):
        count, size = p.stat()
        self.assertEqual(count, len(expected))
        self.assertEqual(size, sum(len(m) for m in expected))
        resp, listing, _ = p.list()
        self.assertTrue(resp.startswith(b'+OK'))
        self.assertEqual([l.split() for l in listing],
                         [[b'%d' % (i + 1), b'%d' % len(m)] for i, m in enumerate(expected)])
        for i, m in enumerate(expected):
            self.assertEqual(p.list(i + 1), b'+OK %d %d' % (i + 1, len(m)))
            resp, lines, octets = p.retr(i + 1)
            self.assertEqual(resp, b'+OK %d octets' % len(m))
            self.assertEqual(joined(lines), m, 'message %d differs' % (i + 1))

    def uidls(self, p):
        resp, lines, _ = p.uidl()
        self.assertTrue(resp.startswith(b'+OK'))
        out = {}
        for l in lines:
            n, uid = l.split()
            self.assertRegex(uid, rb'^\d+\.\d+$')
            out[int(n)] = uid
        return out

    # -- tests -------------------------------------------------------------

    def test_01_capa_and_plaintext_refused_before_stls(self):
        host, port = loftlib.split_hostport(self.pop3_stls)
        p = poplib.POP3(host, port, timeout=60)
        try:
            self.assertEqual(p.getwelcome(), b'+OK Loft POP3 ready.')
            caps = p.capa()
            for c in ('TOP', 'UIDL', 'USER', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING', 'STLS'):
                self.assertIn(c, caps)
            self.assertEqual(caps['SASL'], ['PLAIN', 'LOGIN'])
            self.assertEqual(caps['EXPIRE'], ['NEVER'])          # RFC 2449 §6.7
            self.assertEqual(caps['LOGIN-DELAY'], ['0'])         # RFC 2449 §6.8
            self.assertNotIn('APOP', caps)
            self.assertEqual(caps['IMPLEMENTATION'], ['Loft'])
            with self.assertRaises(poplib.error_proto) as e:
                p.user('alice')
            self.assertIn(b'-ERR [AUTH] Plaintext authentication disallowed', e.exception.args[0])
            with self.assertRaises(poplib.error_proto) as e:
                p.pass_(USERS['alice'])
            self.assertIn(b'[AUTH]', e.exception.args[0])
            with self.assertRaises(poplib.error_proto) as e:
                p._shortcmd('AUTH PLAIN ' + base64.b64encode(b'\0alice\0alice-secret').decode())
            self.assertIn(b'[AUTH]', e.exception.args[0])
            with self.assertRaises(poplib.error_proto):
                p.stat()  # not logged in
            p.stls(context=loftlib.client_tls_context())
            caps = p.capa()
            self.assertNotIn('STLS', caps)
            self.assertIn('USER', caps)
            p.user('alice')
            self.assertTrue(p.pass_(USERS['alice']).startswith(b'+OK Logged in'))
            with self.assertRaises(poplib.error_proto):
                p._shortcmd('STLS')  # only once, and only before login
            self.assertEqual(p.stat()[0], len(self.stored['alice']))
            self.assertTrue(p.quit().startswith(b'+OK'))
        finally:
            p.close()

    def test_02_retrieve_over_stls(self):
        p = self.connect('stls', 'alice')
        try:
            self.check_maildrop(p, self.stored['alice'])
            ids = self.uidls(p)
            self.assertEqual(len(set(ids.values())), len(self.stored['alice']))
            for n, uid in ids.items():
                self.assertEqual(p.uidl(n), b'+OK %d %s' % (n, uid))
            p.quit()
        finally:
            p.close()

    def test_03_retrieve_over_implicit_tls(self):
        p = self.connect('tls', 'carol')
        try:
            self.assertEqual(p.capa().get('STLS'), None)
            self.check_maildrop(p, self.stored['carol'])
            p.quit()
        finally:
            p.close()

    def test_04_top(self):
        p = self.connect('tls', 'alice')
        try:
            for i, m in enumerate(self.stored['alice']):
                header, body = split_stored(m)
                for n in (0, 1, 2, 3, 1000000):
                    resp, lines, _ = p.top(i + 1, n)
                    self.assertTrue(resp.startswith(b'+OK'))
                    self.assertEqual(joined(lines), header + joined(body[:n]),
                                     'TOP %d %d' % (i + 1, n))
            p.quit()
        finally:
            p.close()

    def test_04b_stuffed_wire_form(self):
        r = self.raw()
        try:
            self.assertTrue(self.cmd(r, b'USER alice').startswith(b'+OK'))
            self.assertTrue(self.cmd(r, b'PASS alice-secret').startswith(b'+OK'))
            for n in (2, 6):  # the messages with lines starting with "."
                m = self.stored['alice'][n - 1]
                self.assertEqual(self.cmd(r, b'RETR %d' % n), b'+OK %d octets' % len(m))
                want = loftlib.dot_stuff(m)  # RFC 1939 §3 stuffing is SMTP's
                got = b''.join(l + b'\r\n' for l in self.multiline(r)) + b'.\r\n'
                self.assertEqual(got, want)
        finally:
            r.close()

    def test_05_retr_sets_seen_and_top_does_not(self):
        self.server.add_user('dave', 'dave-secret')
        USERS['dave'] = 'dave-secret'
        self.stored['dave'] = []
        for i in range(3):
            self.deliver(b'Subject: seen %d\r\n\r\nbody\r\n' % i, ['dave'])
        p = self.connect('tls', 'dave')
        p.top(1, 0)
        p.retr(2)
        p.quit()
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('dave', USERS['dave'])
            loftlib.select(imap)
            flags = {m['UID']: m['FLAGS'] for m in loftlib.fetch_all(imap, '(UID FLAGS)')}
            uids = sorted(flags)
            self.assertEqual(len(uids), 3)
            self.assertNotIn('\\Seen', flags[uids[0]])
            self.assertIn('\\Seen', flags[uids[1]])
            self.assertNotIn('\\Seen', flags[uids[2]])
        finally:
            imap.logout()

    def test_06_dele_quit_removes_durably(self):
        p = self.connect('stls', 'bob')
        before = self.uidls(p)
        expected = list(self.stored['bob'])
        self.assertEqual(p.dele(2), b'+OK message 2 deleted')
        p.dele(4)
        with self.assertRaises(poplib.error_proto) as e:
            p.dele(2)
        self.assertIn(b'already deleted', e.exception.args[0])
        for bad in (lambda: p.retr(2), lambda: p.list(4), lambda: p.uidl(2), lambda: p.top(4, 0)):
            with self.assertRaises(poplib.error_proto) as e:
                bad()
            self.assertEqual(e.exception.args[0], b'-ERR no such message')
        self.assertEqual(p.stat()[0], len(expected) - 2)
        self.assertNotIn(2, self.uidls(p))
        self.assertTrue(p.quit().startswith(b'+OK'))
        p.close()
        del expected[3], expected[1]

        p = self.connect('tls', 'bob')
        try:
            self.check_maildrop(p, expected)
            after = self.uidls(p)
            kept = [before[n] for n in sorted(before) if n not in (2, 4)]
            self.assertEqual([after[n] for n in sorted(after)], kept)
            p.quit()
        finally:
            p.close()
        self.stored['bob'] = expected
        # Durable: still gone, and the same UIDLs, after a restart.
        self.restart()
        p = self.connect('stls', 'bob')
        try:
            self.assertEqual(self.uidls(p), after)
            self.check_maildrop(p, expected)
            p.quit()
        finally:
            p.close()

    def test_07_rset_and_no_quit_keep_messages(self):
        p = self.connect('tls', 'bob')
        n = p.stat()[0]
        p.dele(1)
        p.dele(3)
        self.assertTrue(p.rset().startswith(b'+OK maildrop has %d messages' % n))
        self.assertEqual(p.stat()[0], n)
        p.retr(1)
        p.quit()
        p.close()
        # A session that ends without QUIT never enters UPDATE (RFC 1939 §6).
        p = self.connect('stls', 'bob')
        p.dele(1)
        p.close()
        p = self.connect('tls', 'bob')
        try:
            self.assertEqual(p.stat()[0], n)
            p.quit()
        finally:
            p.close()

    def test_08_snapshot_at_login(self):
        p = self.connect('tls', 'alice')
        try:
            count, size = p.stat()
            self.deliver(b'Subject: late\r\n\r\nlate\r\n', ['alice'])
            self.assertEqual(p.stat(), (count, size))  # RFC 1939 §8: not shown until next login
            p.quit()
        finally:
            p.close()
        p = self.connect('stls', 'alice')
        try:
            self.assertEqual(p.stat()[0], count + 1)
            self.assertEqual(joined(p.retr(count + 1)[1]), self.stored['alice'][-1])
            p.quit()
        finally:
            p.close()

    def test_09_auth_plain(self):
        r = self.raw()
        try:
            token = base64.b64encode(b'\0carol\0' + USERS['carol'].encode())
            self.assertEqual(self.cmd(r, b'AUTH'), b'+OK Supported mechanisms follow')
            self.assertEqual(self.multiline(r), [b'PLAIN', b'LOGIN'])
            self.assertTrue(self.cmd(r, b'AUTH CRAM-MD5').startswith(b'-ERR'))
            self.assertEqual(self.cmd(r, b'AUTH PLAIN'), b'+ ')
            self.assertTrue(self.cmd(r, b'*').startswith(b'-ERR'))
            self.assertEqual(self.cmd(r, b'AUTH PLAIN'), b'+ ')
            self.assertTrue(self.cmd(r, base64.b64encode(b'\0carol\0wrong')).startswith(b'-ERR [AUTH]'))
            self.assertTrue(self.cmd(r, b'AUTH PLAIN !!!!').startswith(b'-ERR'))
            self.assertEqual(self.cmd(r, b'AUTH PLAIN'), b'+ ')
            self.assertTrue(self.cmd(r, token).startswith(b'+OK Logged in'))
            self.assertTrue(self.cmd(r, b'STAT').startswith(b'+OK '))
            self.assertEqual(self.cmd(r, b'QUIT')[:3], b'+OK')
        finally:
            r.close()
        r = self.raw(tls=True)
        try:  # RFC 5034 initial response
            self.assertTrue(self.cmd(r, b'auth plain ' + token).startswith(b'+OK'))
        finally:
            r.close()

    def test_10_bad_input_gets_err_and_session_goes_on(self):
        r = self.raw()
        try:
            self.assertEqual(self.cmd(r, b'NOOP ' + b'x' * (MAX_LINE + 10)), b'-ERR line too long')
            self.assertTrue(self.cmd(r, b'FOO bar').startswith(b'-ERR'))
            self.assertTrue(self.cmd(r, b'').startswith(b'-ERR'))
            self.assertTrue(self.cmd(r, b'APOP alice 0123456789abcdef').startswith(b'-ERR'))
            self.assertTrue(self.cmd(r, b'STAT').startswith(b'-ERR'))
            self.assertTrue(self.cmd(r, b'PASS x').startswith(b'-ERR'))  # no USER yet
            self.assertEqual(self.cmd(r, b'USER alice'), b'+OK')
            self.assertTrue(self.cmd(r, b'PASS wrong').startswith(b'-ERR [AUTH]'))
            self.assertTrue(self.cmd(r, b'PASS alice-secret').startswith(b'-ERR'))  # USER again first
            self.assertEqual(self.cmd(r, b'user alice'), b'+OK')
            self.assertTrue(self.cmd(r, b'pass alice-secret').startswith(b'+OK'))
            self.assertTrue(self.cmd(r, b'USER alice').startswith(b'-ERR'))
            for bad in (b'RETR 0', b'RETR 999999', b'TOP 99999999999999999 1', b'LIST 0', b'DELE 123456'):
                self.assertEqual(self.cmd(r, bad), b'-ERR no such message', bad)
            for bad in (b'RETR', b'RETR x', b'TOP 1', b'STAT 1', b'LIST -1'):
                self.assertTrue(self.cmd(r, bad).startswith(b'-ERR'), bad)
            self.assertEqual(self.cmd(r, b'RETR ' + b'9' * (MAX_LINE + 1)), b'-ERR line too long')
            self.assertEqual(self.cmd(r, b'NOOP'), b'+OK')
            self.assertTrue(re.match(rb'^\+OK \d+ \d+$', self.cmd(r, b'stat')))
            # RFC 2449 PIPELINING: several commands in one write, answers in order.
            r.send(b'NOOP\r\nBOGUS\r\nLIST 1\r\nNOOP\r\n')
            self.assertEqual(r.readline(), b'+OK')
            self.assertTrue(r.readline().startswith(b'-ERR'))
            self.assertTrue(r.readline().startswith(b'+OK 1 '))
            self.assertEqual(r.readline(), b'+OK')
            self.assertTrue(self.cmd(r, b'QUIT').startswith(b'+OK'))
            self.assertTrue(r.at_eof(5))
        finally:
            r.close()

    def test_11_stls_discards_injected_plaintext(self):
        r = self.raw(tls=False)
        try:
            r.send(b'STLS\r\nQUIT\r\n')  # the QUIT arrives in the clear and must be dropped
            self.assertEqual(r.readline(), b'+OK Begin TLS negotiation')
            r.starttls()
            self.assertEqual(self.cmd(r, b'CAPA'), b'+OK Capability list follows')
            caps = self.multiline(r)
            self.assertNotIn(b'STLS', caps)
            self.assertIn(b'SASL PLAIN LOGIN', caps)
            self.assertTrue(self.cmd(r, b'STLS').startswith(b'-ERR'))
            self.assertTrue(self.cmd(r, b'USER alice').startswith(b'+OK'))
        finally:
            r.close()
        r = self.raw(tls=True)
        try:
            self.assertTrue(self.cmd(r, b'STLS').startswith(b'-ERR'))  # already TLS
        finally:
            r.close()

    def test_12_auth_login(self):
        b64 = base64.b64encode
        r = self.raw()
        try:
            self.assertEqual(self.cmd(r, b'AUTH LOGIN'), b'+ VXNlcm5hbWU6')
            self.assertEqual(self.cmd(r, b64(b'carol')), b'+ UGFzc3dvcmQ6')
            self.assertTrue(self.cmd(r, b64(b'wrong')).startswith(b'-ERR [AUTH]'))
            self.assertEqual(self.cmd(r, b'AUTH LOGIN'), b'+ VXNlcm5hbWU6')
            self.assertTrue(self.cmd(r, b'*').startswith(b'-ERR'))  # cancelled
            self.assertEqual(self.cmd(r, b'AUTH LOGIN ' + b64(b'carol')), b'+ UGFzc3dvcmQ6')  # initial response
            self.assertTrue(self.cmd(r, b64(USERS['carol'].encode())).startswith(b'+OK Logged in'))
            self.assertEqual(self.cmd(r, b'QUIT')[:3], b'+OK')
        finally:
            r.close()

    def login_raw(self, user):
        r = self.raw()
        self.assertEqual(self.cmd(r, b'USER ' + user.encode()), b'+OK')
        return r, self.cmd(r, b'PASS ' + USERS[user].encode())

    def test_13_one_session_per_maildrop(self):
        first, reply = self.login_raw('carol')
        try:
            self.assertTrue(reply.startswith(b'+OK'), reply)
            count = int(self.cmd(first, b'STAT').split()[1])
            self.assertEqual(self.cmd(first, b'DELE 1'), b'+OK message 1 deleted')
            second, reply = self.login_raw('carol')
            self.assertTrue(reply.startswith(b'-ERR [IN-USE]'), reply)
            second.close()
            token = base64.b64encode(b'\0carol\0' + USERS['carol'].encode())
            r = self.raw()
            self.assertTrue(self.cmd(r, b'AUTH PLAIN ' + token).startswith(b'-ERR [IN-USE]'))
            r.close()
            bob, reply = self.login_raw('bob')  # another maildrop is not locked
            self.assertTrue(reply.startswith(b'+OK'), reply)
            bob.close()
        finally:
            first.close()  # dropped without QUIT: nothing is deleted, the lock goes
        for _ in range(100):  # the server notices the close asynchronously
            again, reply = self.login_raw('carol')
            if reply.startswith(b'+OK'):
                break
            again.close()
            loftlib.time.sleep(0.05)
        try:
            self.assertTrue(reply.startswith(b'+OK'), reply)
            self.assertEqual(int(self.cmd(again, b'STAT').split()[1]), count)
            self.assertEqual(self.cmd(again, b'QUIT')[:3], b'+OK')
        finally:
            again.close()

    def test_14_nul_and_bare_line_ends_on_the_wire(self):
        self.server.add_user('erin', 'erin-secret')
        USERS['erin'] = 'erin-secret'
        stored = b'Subject: odd\r\n\r\nnul\x00here\nbare lf\n.dot after lf\rbare cr\r\nend'
        r = loftlib.subprocess.run([self.server.loftctl, '--config', self.server.config, 'deliver',
                                    '--user', 'erin'], input=stored, capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        c, reply = self.login_raw('erin')
        try:
            self.assertTrue(reply.startswith(b'+OK'), reply)
            self.assertEqual(self.cmd(c, b'RETR 1'), b'+OK %d octets' % len(stored))
            got = b''.join(l + b'\r\n' for l in self.multiline(c))
            self.assertEqual(got, b'Subject: odd\r\n\r\nnul\x80here\r\nbare lf\r\n..dot after lf\r\n'
                                  b'bare cr\r\nend\r\n')
        finally:
            c.close()


if __name__ == '__main__':
    loftlib.run_unittest('test_pop3')

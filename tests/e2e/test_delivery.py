#!/usr/bin/env python3
"""Delivery round trip: 200 corpus messages over LMTP to several recipients (one of
them unknown), then every message read back byte-exact over IMAP STARTTLS and
implicit TLS, plus partial fetches and the refusal of plaintext LOGIN.

Runs against loftd (LOFTD/LOFTCTL/LOFT_CORPUS from meson) or, with
E2E_SERVER=dovecot, against a private Dovecot to validate the test itself."""

import imaplib
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

N_MESSAGES = 200
USERS = {'alice': 'alice-secret', 'bob': 'bob-secret', 'carol': 'carol-secret'}


def recipients_for(i):
    """Recipient forms vary (bare, domain, case); carol gets every third message;
    an unknown recipient is always included (in varying positions)."""
    alice = ['alice@example.org', 'alice', 'Alice@Example.ORG'][i % 3]
    bob = ['bob@example.org', 'BOB'][i % 2]
    rcpts = [('alice', alice), ('bob', bob)]
    if i % 3 == 0:
        rcpts.append(('carol', 'carol@example.org'))
    rcpts.insert(i % (len(rcpts) + 1), (None, 'nobody@example.org'))
    return rcpts


class DeliveryTest(unittest.TestCase):
    server = None
    expected = None   # user -> [stored bytes in delivery order]

    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.make_server()
        cls.addClassCleanup(cls.stop_server)
        cls.server.start()
        for u, p in USERS.items():
            cls.server.add_user(u, p)
        cls.corpus = loftlib.load_corpus(N_MESSAGES)
        assert len(cls.corpus) == N_MESSAGES, len(cls.corpus)
        cls.expected = {u: [] for u in USERS}
        cls.delivery_errors = []
        t0 = time.monotonic()
        c = loftlib.LMTPClient(cls.server.lmtp)
        assert 'PIPELINING' in c.extensions, c.extensions
        try:
            for i, (rel, raw) in enumerate(cls.corpus):
                wire, stored = loftlib.wire_data(raw)
                rcpts = recipients_for(i)
                # every other transaction pipelined (RFC 2920), as Postfix sends it
                mail, rr, dr = c.transaction('sender@example.com', [a for _, a in rcpts], wire,
                                             pipelined=(i % 2 == 1))
                if mail[0] != 250:
                    cls.delivery_errors.append('%s: MAIL %r' % (rel, mail))
                    continue
                for user, addr in rcpts:
                    code, text = rr[addr]
                    if user is None:
                        if code != 550 or not text.startswith('5.1.1'):
                            cls.delivery_errors.append('%s: RCPT %s got %d %s'
                                                       % (rel, addr, code, text))
                        if addr in dr:
                            cls.delivery_errors.append('%s: data reply for rejected %s'
                                                       % (rel, addr))
                        continue
                    if code != 250:
                        cls.delivery_errors.append('%s: RCPT %s got %d %s' % (rel, addr, code, text))
                        continue
                    dcode, dtext = dr[addr]
                    if dcode != 250:
                        cls.delivery_errors.append('%s: DATA for %s got %d %s'
                                                   % (rel, addr, dcode, dtext))
                        continue
                    cls.expected[user].append((rel, stored))
                if time.monotonic() - t0 > 300:
                    raise TimeoutError('delivery took over 300 s')
            # The session still works after 200 transactions.
            assert c.noop()[0] == 250
        finally:
            c.quit()
        loftlib.log('delivered %d messages in %.1fs' % (N_MESSAGES, time.monotonic() - t0))


    @classmethod
    def stop_server(cls):
        rc = cls.server.stop()
        cls.server.cleanup()
        if loftlib.is_loft(cls.server) and rc not in (0, None):
            raise AssertionError('loftd exited with %s after SIGTERM' % rc)

    def test_1_every_recipient_got_its_reply(self):
        self.assertEqual(self.delivery_errors, [])
        self.assertEqual(len(self.expected['alice']), N_MESSAGES)
        self.assertEqual(len(self.expected['bob']), N_MESSAGES)
        self.assertEqual(len(self.expected['carol']), (N_MESSAGES + 2) // 3)

    def check_mailbox(self, mode, user):
        addr = self.server.imap_starttls if mode == 'starttls' else self.server.imap_implicit
        m = loftlib.imap_connect(addr, mode)
        try:
            if user == 'bob':
                # AUTHENTICATE PLAIN for one user, LOGIN for the others
                typ, _ = m.authenticate('PLAIN', lambda _: ('\0%s\0%s' % (user, USERS[user])).encode())
            else:
                typ, _ = m.login(user, USERS[user])
            self.assertEqual(typ, 'OK')
            exists = loftlib.select(m)
            expected = self.expected[user]
            self.assertEqual(exists, len(expected), 'EXISTS for %s' % user)
            msgs = loftlib.fetch_all(m)
            self.assertEqual(len(msgs), len(expected))
            uids = [x.get('UID') for x in msgs]
            self.assertEqual(uids, sorted(uids), 'UIDs ascending')
            self.assertEqual(len(set(uids)), len(uids), 'UIDs unique')
            for x, (rel, stored) in zip(msgs, expected):
                body = x.get('BODY[]')
                self.assertIsNotNone(body, '%s: no BODY[] for %s' % (user, rel))
                self.assertEqual(x.get('RFC822.SIZE'), len(body), '%s RFC822.SIZE' % rel)
                got = self.server.strip_added(body)
                stored = self.server.imap_form(stored)
                if got != stored:
                    i = next((k for k in range(min(len(got), len(stored)))
                              if got[k] != stored[k]), min(len(got), len(stored)))
                    self.fail('%s/%s %s: differs at byte %d (got %d bytes, want %d): %r vs %r'
                              % (mode, user, rel, i, len(got), len(stored),
                                 got[max(0, i - 20):i + 20], stored[max(0, i - 20):i + 20]))
            # Partial fetches
            for origin, length in ((0, 100), (100, 200)):
                parts = loftlib.fetch_all(m, '(UID BODY.PEEK[]<%d.%d>)' % (origin, length))
                self.assertEqual(len(parts), len(expected))
                key = 'BODY[]<%d>' % origin
                for x, y in zip(parts, msgs):
                    want = y['BODY[]'][origin:origin + length]
                    self.assertEqual(x.get(key), want, 'partial %s uid %s' % (key, x.get('UID')))
            self.assertEqual(m.noop()[0], 'OK')
        finally:
            try:
                m.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def test_2_read_back_starttls(self):
        for user in USERS:
            with self.subTest(user=user):
                self.check_mailbox('starttls', user)

    def test_3_read_back_implicit_tls(self):
        for user in USERS:
            with self.subTest(user=user):
                self.check_mailbox('implicit', user)

    def test_4_plaintext_login_refused(self):
        if not loftlib.is_loft(self.server):
            self.skipTest('Dovecot treats loopback connections as secure')
        m = loftlib.imap_connect(self.server.imap_starttls, 'plain')
        try:
            caps = [c.upper() for c in m.capabilities]
            self.assertIn('STARTTLS', caps)
            with self.assertRaises(imaplib.IMAP4.error) as cm:
                m.login('alice', USERS['alice'])
            msg = str(cm.exception).upper()
            self.assertTrue('LOGINDISABLED' in caps or 'PRIVACYREQUIRED' in msg
                            or 'TLS' in msg or 'PLAINTEXT' in msg,
                            'refusal should say why: caps=%r reply=%r' % (caps, msg))
            self.assertEqual(m.noop()[0], 'OK')  # the connection goes on
        finally:
            try:
                m.logout()
            except (imaplib.IMAP4.error, OSError):
                pass
        # ... and a wrong password is refused over TLS too
        m = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            with self.assertRaises(imaplib.IMAP4.error):
                m.login('alice', 'wrong')
        finally:
            try:
                m.logout()
            except (imaplib.IMAP4.error, OSError):
                pass

    def test_5_server_alive(self):
        self.assertTrue(self.server.alive(), self.server.log_tail())


if __name__ == '__main__':
    loftlib.run_unittest('e2e-delivery')

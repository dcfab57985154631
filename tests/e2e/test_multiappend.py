#!/usr/bin/env python3
"""MULTIAPPEND (RFC 3502) end to end: several messages in one APPEND, each
with its own flags and date, synchronising and LITERAL+ literals, APPENDUID
with a uid-set (RFC 4315), and all-or-nothing: a bad later group, the limits
on the count and total size of the messages, the quota for all of them, and a
connection dropped in the middle of the third literal store nothing (and
`loftctl check` finds the store consistent afterwards).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_multiappend.py
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'
MAX_MESSAGE = 300000
MAX_TOTAL = 500000
MAX_MESSAGES = 4


def message(i, size=200):
    head = b'From: a@example.org\r\nSubject: multi %d\r\n\r\n' % i
    return head + b'y' * max(0, size - len(head) - 2) + b'\r\n'


class Imap(loftlib.RawImap):
    def __init__(self, server, user):
        super().__init__(server, user, PASSWORD, tag_prefix='m')

    def count(self, mailbox='INBOX'):
        for l in self.ok('STATUS %s (MESSAGES)' % mailbox):
            m = re.search(rb'MESSAGES (\d+)', l)
            if m:
                return int(m.group(1))
        raise AssertionError('no STATUS')

    def multi(self, groups, mailbox='INBOX'):
        """APPEND of (opts, body) groups with LITERAL+: (status, tagged line)."""
        data = b'APPEND ' + mailbox.encode()
        for opts, body in groups:
            data += (b' ' + opts if opts else b'') + b' {%d+}\r\n' % len(body) + body
        status, line, _ = self.cmd(data)
        return status, line

    def close(self):
        self.c.close()


class MultiAppendTest(loftlib.LoftTestCase):
    SERVER_ARGS = dict(max_message_size=MAX_MESSAGE,
                       limits=['max_append_messages = %d' % MAX_MESSAGES, 'max_append_total = %d' % MAX_TOTAL])
    USERS = ('alice', 'bob', 'carol', 'dave', 'erin', 'frank')
    PASSWORD = PASSWORD

    def test_capability(self):
        m = Imap(self.srv, 'alice')
        self.assertIn('MULTIAPPEND', m.ok('CAPABILITY')[0].decode().split())
        m.close()

    def test_three_messages_with_their_flags_and_dates(self):
        m = Imap(self.srv, 'alice')
        m.ok('SELECT Drafts')
        groups = [(b'(\\Seen)', message(1)),
                  (b'(\\Flagged $Work) "17-Jul-1996 02:44:25 -0700"', message(2, 100000)),
                  (b'', message(3))]
        data = b'APPEND Drafts'
        for opts, body in groups:
            data += (b' ' + opts if opts else b'') + b' {%d+}\r\n' % len(body) + body
        status, line, untagged = m.cmd(data)
        self.assertEqual(status, 'OK', line)
        v = re.search(r'\[APPENDUID (\d+) (\S+)\]', line)
        self.assertIsNotNone(v, line)
        self.assertEqual(v.group(2), '1:3')
        self.assertIn(b'* 3 EXISTS', untagged)
        lines = m.ok('UID FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE)')
        self.assertEqual(len(lines), 3, lines)
        self.assertIn(b'\\Seen', lines[0])
        self.assertIn(b'\\Flagged', lines[1])
        self.assertIn(b'$Work', lines[1])
        self.assertIn(b'"17-Jul-1996 02:44:25 -0700"', lines[1])
        self.assertNotIn(b'\\Seen', lines[2])
        for i, (_, body) in enumerate(groups):
            self.assertIn(b'RFC822.SIZE %d' % len(body), lines[i])
        got = loftlib.fetch_all(self._imaplib('alice', 'Drafts'))
        self.assertEqual([g['BODY[]'] for g in got], [b for _, b in groups])
        m.close()

    def _imaplib(self, user, mailbox):
        c = loftlib.imap_connect(self.srv.imap_implicit, 'implicit')
        c.login(user, PASSWORD)
        loftlib.select(c, mailbox)
        self.addCleanup(c.logout)
        return c

    def test_synchronising_literals_each_get_a_continuation(self):
        m = Imap(self.srv, 'bob')
        c = m.c
        bodies = [message(10), message(11), message(12)]
        c.send(b's1 APPEND INBOX {%d}\r\n' % len(bodies[0]))
        for i, b in enumerate(bodies):
            self.assertTrue(c.readline().startswith(b'+'))
            c.send(b)
            if i + 1 < len(bodies):
                c.send(b' (\\Answered) {%d}\r\n' % len(bodies[i + 1]))
        c.send(b'\r\n')
        line, _ = c.read_until_tagged('s1')
        self.assertIn(b'OK [APPENDUID', line)
        self.assertEqual(m.count(), 3)
        # A refused later message (a bad group) is answered at once: BAD, nothing stored.
        c.send(b's2 APPEND INBOX {%d}\r\n' % len(bodies[0]))
        self.assertTrue(c.readline().startswith(b'+'))
        c.send(bodies[0] + b' (\\Recent) {5}\r\n')
        line, _ = c.read_until_tagged('s2')
        self.assertTrue(line.startswith(b's2 BAD'), line)
        self.assertEqual(m.count(), 3)
        m.close()

    def test_a_bad_later_group_stores_nothing(self):
        m = Imap(self.srv, 'carol')
        status, line = m.multi([(b'', message(1)), (b'(\\Bogus)', message(2))])
        self.assertEqual(status, 'BAD', line)
        status, line = m.multi([(b'', message(1)), (b'"31-Feb-2020 00:00:00 +0000"', message(2))])
        self.assertEqual(status, 'BAD', line)
        status, line = m.multi([(b'', message(1)), (b'', message(2))], mailbox='Nope')
        self.assertEqual(status, 'NO', line)
        self.assertIn('[TRYCREATE]', line)
        self.assertEqual(m.count(), 0)
        m.ok('NOOP')  # the connection goes on
        self.assert_consistent()
        m.close()

    def test_limits_refuse_the_whole_command(self):
        m = Imap(self.srv, 'dave')
        status, line = m.multi([(b'', message(i)) for i in range(MAX_MESSAGES + 1)])
        self.assertEqual(status, 'NO', line)
        self.assertIn('[LIMIT]', line)
        self.assertEqual(m.count(), 0)
        # MAX_TOTAL: two 200 kB messages fit, a third does not.
        status, line = m.multi([(b'', message(i, 200000)) for i in range(3)])
        self.assertEqual(status, 'NO', line)
        self.assertIn('[TOOBIG]', line)
        self.assertEqual(m.count(), 0)
        status, line = m.multi([(b'', message(i, 200000)) for i in range(2)])
        self.assertEqual(status, 'OK', line)
        self.assertEqual(m.count(), 2)
        # One message above the per-message limit.
        # A LITERAL+ literal that big ends the connection, so its bytes are not sent here.
        m.c.send(b'x APPEND INBOX {%d+}\r\n' % len(message(1)) + message(1) + b' {%d+}\r\n' % (MAX_MESSAGE + 1))
        line, _ = m.c.read_until_tagged('x')
        self.assertTrue(line.startswith(b'x BAD [TOOBIG]'), line)
        m2 = Imap(self.srv, 'dave')
        self.assertEqual(m2.count(), 2)
        m2.close()
        self.assert_consistent()

    def test_quota_is_checked_for_all_messages(self):
        r = self.srv.ctl('quota', 'set', 'erin', '--bytes', '250000', '--messages', '100')
        self.assertEqual(r.returncode, 0, r.stderr)
        m = Imap(self.srv, 'erin')
        status, line = m.multi([(b'', message(i, 100000)) for i in range(3)])
        self.assertEqual(status, 'NO', line)
        self.assertIn('[OVERQUOTA]', line)
        self.assertEqual(m.count(), 0)
        status, line = m.multi([(b'', message(i, 100000)) for i in range(2)])
        self.assertEqual(status, 'OK', line)
        self.assertEqual(m.count(), 2)
        self.assert_consistent()
        m.close()

    def test_a_connection_dropped_in_the_third_literal_stores_nothing(self):
        m = Imap(self.srv, 'frank')
        bodies = [message(i, 150000) for i in range(3)]
        data = b'x APPEND INBOX'
        for b in bodies:
            data += b' {%d+}\r\n' % len(b) + b
        m.c.send(data[:len(data) - 50000])  # two messages and part of the third
        time.sleep(1.0)  # the server has read what was sent
        m.close()
        watcher = Imap(self.srv, 'frank')
        for _ in range(50):  # the server notices the drop and removes the bodies
            if self.srv.ctl('check').returncode == 0:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        self.assertEqual(watcher.count(), 0)
        watcher.close()
        self.assert_consistent()
        self.assertTrue(self.srv.alive())


if __name__ == '__main__':
    loftlib.run_unittest('e2e-multiappend')

#!/usr/bin/env python3
"""REPLACE and UID REPLACE (RFC 8508) end to end: the new message appended
and the old one expunged in one commit, in the selected mailbox or another;
the untagged OK [APPENDUID], then EXPUNGE (VANISHED with QRESYNC), then the
tagged OK; and the errors (no selected mailbox, read-only, bad number, no such
UID, missing target), after which the old message is still there.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_replace.py
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'


def message(i):
    return b'From: a@example.org\r\nSubject: draft %d\r\n\r\nversion %d\r\n' % (i, i)


class Imap(loftlib.RawImap):
    def __init__(self, server, user):
        super().__init__(server, user, PASSWORD, tag_prefix='r')

    def literal(self, text, body):
        """A command ending with body as a LITERAL+ literal: (status, line, untagged)."""
        return self.cmd(text.encode() + b' {%d+}\r\n' % len(body) + body)

    def close(self):
        self.c.close()


class ReplaceTest(loftlib.LoftTestCase):
    USERS = ('alice', 'bob', 'carol', 'dave')
    PASSWORD = PASSWORD

    def fill(self, m, mailbox, n):
        for i in range(n):
            self.assertEqual(m.literal('APPEND %s' % mailbox, message(i))[0], 'OK')

    def fetch_body(self, user, mailbox, uid):
        c = loftlib.imap_connect(self.srv.imap_implicit, 'implicit')
        try:
            c.login(user, PASSWORD)
            loftlib.select(c, mailbox)
            got = loftlib.fetch_all(c, uids=str(uid))
            return got[0]['BODY[]'] if got else None
        finally:
            c.logout()

    def test_capability(self):
        m = Imap(self.srv, 'alice')
        self.assertIn('REPLACE', m.ok('CAPABILITY')[0].decode().split())
        m.close()

    def test_replace_by_sequence_number_in_the_selected_mailbox(self):
        m = Imap(self.srv, 'alice')
        self.fill(m, 'Drafts', 2)
        m.ok('SELECT Drafts')
        new = message(10)
        status, line, untagged = m.literal('REPLACE 1 Drafts (\\Draft)', new)
        self.assertEqual(status, 'OK', line)
        self.assertIn('REPLACE completed', line)
        ok = [l for l in untagged if l.startswith(b'* OK [APPENDUID')]
        self.assertEqual(len(ok), 1, untagged)
        uidvalidity, uid = re.match(rb'\* OK \[APPENDUID (\d+) (\d+)\]', ok[0]).groups()
        self.assertEqual(int(uid), 3)
        self.assertIn(b'* 1 EXPUNGE', untagged)
        self.assertIn(b'* 2 EXISTS', untagged)
        # The APPENDUID line comes before the EXPUNGE (RFC 8508 §3.4).
        self.assertLess(untagged.index(ok[0]), untagged.index(b'* 1 EXPUNGE'))
        lines = m.ok('UID FETCH 1:* (FLAGS)')
        self.assertEqual(len(lines), 2, lines)
        self.assertIn(b'UID 2', lines[0])
        self.assertIn(b'UID 3', lines[1])
        self.assertIn(b'\\Draft', lines[1])
        self.assertEqual(self.fetch_body('alice', 'Drafts', 3), new)
        # "*" is the last message; a synchronising literal gets its "+".
        m.c.send(b's1 REPLACE * Drafts {%d}\r\n' % len(message(11)))
        self.assertTrue(m.c.readline().startswith(b'+'))
        m.c.send(message(11) + b'\r\n')
        line, lines = m.c.read_until_tagged('s1')
        self.assertTrue(line.startswith(b's1 OK'), line)
        self.assertIn(b'* 2 EXPUNGE', lines)
        self.assertEqual(self.fetch_body('alice', 'Drafts', 4), message(11))
        self.assert_consistent()
        m.close()

    def test_uid_replace_into_another_mailbox(self):
        m = Imap(self.srv, 'bob')
        self.fill(m, 'Drafts', 3)
        m.ok('SELECT Drafts')
        status, line, untagged = m.literal('UID REPLACE 2 Sent', message(20))
        self.assertEqual(status, 'OK', line)
        self.assertTrue(any(l.startswith(b'* OK [APPENDUID') and l.split()[4] == b'1]' for l in untagged),
                        untagged)
        self.assertIn(b'* 2 EXPUNGE', untagged)
        self.assertNotIn(b'EXISTS', b' '.join(untagged))
        self.assertEqual(len(m.ok('UID FETCH 1:* (FLAGS)')), 2)
        self.assertEqual(self.fetch_body('bob', 'Sent', 1), message(20))
        # With QRESYNC enabled the old message goes as VANISHED.
        m.ok('UNSELECT')
        m.ok('ENABLE QRESYNC')  # authenticated state only (RFC 5161)
        m.ok('SELECT Drafts')
        status, line, untagged = m.literal('UID REPLACE 3 Sent', message(21))
        self.assertEqual(status, 'OK', line)
        self.assertIn(b'* VANISHED 3', untagged)
        m.close()

    def test_errors_leave_the_old_message(self):
        m = Imap(self.srv, 'carol')
        self.fill(m, 'Drafts', 1)
        status, line, _ = m.literal('REPLACE 1 Drafts', message(1))
        self.assertEqual(status, 'BAD', line)  # no mailbox selected
        m.ok('SELECT Drafts')
        status, line, _ = m.literal('REPLACE 2 Drafts', message(1))
        self.assertEqual(status, 'BAD', line)  # no message 2
        status, line, _ = m.literal('UID REPLACE 9 Drafts', message(1))
        self.assertEqual(status, 'NO', line)
        status, line, _ = m.literal('REPLACE 1 Nope', message(1))
        self.assertEqual(status, 'NO', line)
        self.assertIn('[TRYCREATE]', line)
        status, line, _ = m.literal('REPLACE 1 Drafts {1+}\r\nx', message(1))
        self.assertEqual(status, 'BAD', line)  # one message only
        m.ok('EXAMINE Drafts')
        status, line, _ = m.literal('REPLACE 1 Drafts', message(1))
        self.assertEqual(status, 'NO', line)
        self.assertIn('READ-ONLY', line)
        m.ok('SELECT Drafts')
        lines = m.ok('UID FETCH 1:* (FLAGS)')
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(b'UID 1', lines[0])
        self.assertEqual(self.fetch_body('carol', 'Drafts', 1), message(0))
        for box in ('INBOX', 'Sent', 'Trash'):
            st = m.ok('STATUS %s (MESSAGES)' % box)
            self.assertIn(b'MESSAGES 0', st[0], box)
        self.assert_consistent()
        m.close()

    def test_other_sessions_see_one_message_replaced(self):
        m = Imap(self.srv, 'dave')
        self.fill(m, 'Drafts', 1)
        watcher = Imap(self.srv, 'dave')
        watcher.ok('SELECT Drafts')
        m.ok('SELECT Drafts')
        self.assertEqual(m.literal('REPLACE 1 Drafts', message(5))[0], 'OK')
        untagged = watcher.ok('NOOP')
        self.assertIn(b'* 1 EXPUNGE', untagged)
        self.assertIn(b'* 1 EXISTS', untagged)
        lines = watcher.ok('UID FETCH 1:* (UID)')
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(b'UID 2', lines[0])
        watcher.close()
        m.close()


if __name__ == '__main__':
    loftlib.run_unittest('e2e-replace')

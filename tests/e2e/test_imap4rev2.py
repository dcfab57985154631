#!/usr/bin/env python3
"""IMAP4rev2 (RFC 9051) and its [imap] imap4rev2 switch. On (the default),
CAPABILITY lists IMAP4rev2 with IMAP4rev1 and ENABLE IMAP4rev2 turns on, for
that session only (Appendix E): UTF-8 mailbox names, no \\Recent flag and no
RECENT response, STATUS RECENT and the SEARCH keys NEW/OLD/RECENT are BAD,
SEARCH answers ESEARCH, and SELECT sends a LIST of the mailbox with its
attributes (§6.3.2) and no UNSEEN code. A rev1 session on the same server
keeps the rev1 forms. Off, neither CAPABILITY nor ENABLE knows IMAP4rev2.
test_imap4rev2_base.py has the responses and commands RFC 9051 folded in.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_imap4rev2.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'rev2-pw'


def strip(lines):
    return [l.rstrip(b'\r\n') for l in lines]


def deliver(server, user, n, subject=b'rev2'):
    lmtp = loftlib.LMTPClient(server.lmtp)
    for i in range(n):
        msg = b'Subject: %s %d\r\nFrom: a@example.org\r\n\r\nBody\r\n' % (subject, i)
        lmtp.transaction('a@example.org', ['%s@example.org' % user], loftlib.wire_data(msg)[0])
    lmtp.close()


class Rev2Off(unittest.TestCase):
    def test_switch_off(self):
        server = loftlib.LoftServer(imap=['imap4rev2 = false'])
        server.start()
        try:
            server.add_user('ren', PASSWORD)
            c = loftlib.RawImap(server, 'ren', PASSWORD)
            self.assertNotIn(b'IMAP4rev2', b' '.join(c.ok('CAPABILITY')))
            self.assertEqual(strip(c.ok('ENABLE IMAP4rev2')), [b'* ENABLED'])
            c.ok('SELECT INBOX')
            found = strip(c.ok('SEARCH ALL'))
            self.assertEqual(found, [b'* SEARCH'])
            self.assertEqual(c.cmd('SEARCH NEW')[0], 'OK')  # still a rev1 session
        finally:
            server.stop()
            server.cleanup()


class Rev2On(unittest.TestCase):
    """The server as configured by default: no [imap] section at all."""

    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('ren', PASSWORD)
        deliver(cls.server, 'ren', 3)
        cls.users = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def rev2(self, user='ren'):
        c = loftlib.RawImap(self.server, user, PASSWORD)
        self.assertEqual(strip(c.ok('ENABLE IMAP4rev2')), [b'* ENABLED IMAP4rev2'])
        return c

    def fresh_user(self, messages):
        """A new account with that many unseen messages, for tests that change state."""
        Rev2On.users += 1
        name = 'ren%d' % Rev2On.users
        self.server.add_user(name, PASSWORD)
        deliver(self.server, name, messages)
        return name

    def test_capability_lists_both(self):
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        greeting = c.readline()
        self.assertIn(b'IMAP4rev1 IMAP4rev2', greeting)
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        self.assertIn(b' IMAP4rev2 ', b' '.join(c.ok('CAPABILITY')))

    def test_no_recent_and_select_sends_list(self):
        user = self.fresh_user(3)
        c = self.rev2(user)
        lines = strip(c.ok('SELECT INBOX'))
        self.assertFalse(any(l.endswith(b' RECENT') for l in lines), lines)
        self.assertIn(b'* LIST (\\HasNoChildren) "/" INBOX', lines)
        self.assertIn(b'* 3 EXISTS', lines)
        # §6.3.2: no UNSEEN code, though all three are unseen; no \Recent in FLAGS lists.
        self.assertFalse(any(b'[UNSEEN' in l for l in lines), lines)
        self.assertFalse(any(b'\\Recent' in l for l in lines), lines)
        # This session claimed the three as recent; rev2 still shows no \Recent.
        self.assertNotIn(b'\\Recent', b' '.join(c.ok('FETCH 1:* FLAGS')))
        stored = strip(c.ok('STORE 1 +FLAGS (\\Flagged)'))
        self.assertEqual(stored, [b'* 1 FETCH (FLAGS (\\Flagged))'])
        # A delivery while selected: EXISTS, no RECENT.
        deliver(self.server, user, 1, b'more')
        for _ in range(50):
            lines = strip(c.ok('NOOP'))
            if lines:
                break
        self.assertIn(b'* 4 EXISTS', lines)
        self.assertFalse(any(l.endswith(b' RECENT') for l in lines), lines)
        status, _, _ = c.cmd('STATUS INBOX (MESSAGES RECENT)')
        self.assertEqual(status, 'BAD')
        status, _, _ = c.cmd('LIST "" INBOX RETURN (STATUS (RECENT))')
        self.assertEqual(status, 'BAD')
        self.assertIn(b'(MESSAGES 4)', b' '.join(c.ok('STATUS INBOX (MESSAGES)')))

    def test_select_list_has_the_attributes_of_list(self):
        c = self.rev2()
        c.ok('CREATE Parent/Child')
        expected = {b'INBOX': b'(\\HasNoChildren)', b'Parent': b'(\\HasChildren)',
                    b'Parent/Child': b'(\\HasNoChildren)', b'Archive': b'(\\HasNoChildren \\Archive)'}
        for name, attrs in expected.items():
            listed = strip(c.ok(b'LIST "" ' + name))
            self.assertEqual(listed, [b'* LIST ' + attrs + b' "/" ' + name])
            for verb in (b'SELECT ', b'EXAMINE '):
                lines = strip(c.ok(verb + name))
                self.assertEqual([l for l in lines if l.startswith(b'* LIST')], listed, (verb, lines))

    def test_search_answers_esearch(self):
        c = self.rev2()
        c.ok('EXAMINE INBOX')
        status, line, lines = c.cmd('SEARCH ALL')
        self.assertEqual(status, 'OK')
        tag = line.split(' ')[0].encode()
        self.assertTrue(any(re.match(rb'\* ESEARCH \(TAG "' + tag + rb'"\) ALL 1:\d', l) for l in strip(lines)), lines)
        status, line, lines = c.cmd('UID SEARCH SUBJECT nothing-like-this')
        tag = line.split(' ')[0].encode()
        self.assertEqual(strip(lines), [b'* ESEARCH (TAG "' + tag + b'") UID'])

    def test_new_old_recent_are_bad_in_rev2_only(self):
        bad = ['SEARCH NEW', 'UID SEARCH OLD', 'SEARCH RECENT', 'SEARCH RETURN (COUNT) RECENT',
               'SEARCH SEEN NOT (FLAGGED OR NEW DELETED)', 'SORT (DATE) UTF-8 OLD',
               'UID THREAD REFERENCES UTF-8 NEW']
        fine = ['SEARCH KEYWORD recent', 'SEARCH SUBJECT new', 'SEARCH UNSEEN', 'SORT (DATE) UTF-8 ALL']
        c = self.rev2()
        c.ok('EXAMINE INBOX')
        for text in bad:
            self.assertEqual(c.cmd(text)[0], 'BAD', text)
        for text in fine:
            self.assertEqual(c.cmd(text)[0], 'OK', text)
        # RFC 5182 §2.1: a BAD leaves "$" as it was.
        c.ok('SEARCH RETURN (SAVE) ALL')
        self.assertEqual(c.cmd('SEARCH RETURN (SAVE) NEW')[0], 'BAD')
        self.assertEqual(len([l for l in c.ok('FETCH $ (UID)') if b' FETCH ' in l]), 3)
        # The same server, a rev1 session: the keys stay.
        r1 = loftlib.RawImap(self.server, 'ren', PASSWORD)
        r1.ok('EXAMINE INBOX')
        for text in bad + fine:
            self.assertEqual(r1.cmd(text)[0], 'OK', text)

    def test_utf8_names(self):
        c = self.rev2()
        c.ok('CREATE "Grüße"'.encode())
        self.assertIn('"Grüße"'.encode(), b' '.join(c.ok('LIST "" G*')))
        lines = strip(c.ok('SELECT "Grüße"'.encode()))
        self.assertIn('* LIST (\\HasNoChildren) "/" "Grüße"'.encode(), lines)

    def test_rev1_session_unchanged(self):
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        lines = strip(c.ok('EXAMINE INBOX'))
        self.assertTrue(any(l.endswith(b' RECENT') for l in lines), lines)
        self.assertFalse(any(l.startswith(b'* LIST') for l in lines), lines)
        self.assertTrue(any(l.startswith(b'* OK [UNSEEN 1]') for l in lines), lines)
        self.assertTrue(strip(c.ok('SEARCH ALL'))[0].startswith(b'* SEARCH'))
        c.ok('STATUS INBOX (RECENT)')
        # The first rev1 session to see a message gets \Recent.
        user = self.fresh_user(1)
        c = loftlib.RawImap(self.server, user, PASSWORD)
        c.ok('SELECT INBOX')
        self.assertEqual(strip(c.ok('STORE 1 +FLAGS (\\Flagged)')), [b'* 1 FETCH (FLAGS (\\Flagged \\Recent))'])

    def test_enable_rev2_not_in_selected_state(self):
        c = loftlib.RawImap(self.server, 'ren', PASSWORD)
        c.ok('EXAMINE INBOX')
        status, _, _ = c.cmd('ENABLE IMAP4rev2')
        self.assertEqual(status, 'BAD')


if __name__ == '__main__':
    unittest.main()

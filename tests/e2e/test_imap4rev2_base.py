#!/usr/bin/env python3
"""What RFC 9051 Appendix E folded into IMAP4rev2, as an IMAP4rev2 session
(ENABLE IMAP4rev2, on by default) gets it: APPEND's APPENDUID and TRYCREATE
codes, COPYUID for MOVE and UID MOVE, TRYCREATE for COPY/MOVE, UID EXPUNGE,
UNSELECT, NAMESPACE, LSUB (deprecated, kept), BINARY with literal8, CHECK
(removed from rev2, kept), UID in every unsolicited FETCH (§7.5.2, a rev1
session unchanged), and new names in NFC only (§5.1: a name a rev1 session
made keeps working, with no OLDNAME).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_imap4rev2_base.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'base-pw'
MSG = b'Subject: base\r\nFrom: a@example.org\r\n\r\nBody\r\n'


def strip(lines):
    return [l.rstrip(b'\r\n') for l in lines]


class Rev2Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.users = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def user(self, messages=0):
        Rev2Base.users += 1
        name = 'base%d' % Rev2Base.users
        self.server.add_user(name, PASSWORD)
        self.server.deliver_all([MSG] * messages, rcpt='%s@example.org' % name)
        return name

    def rev2(self, user):
        c = loftlib.RawImap(self.server, user, PASSWORD)
        self.assertEqual(strip(c.ok('ENABLE IMAP4rev2')), [b'* ENABLED IMAP4rev2'])
        return c

    def test_append_codes(self):
        c = self.rev2(self.user())
        status, line, _ = c.cmd(b'APPEND INBOX {%d+}\r\n' % len(MSG) + MSG)
        self.assertEqual(status, 'OK')
        self.assertRegex(line, r'^\S+ OK \[APPENDUID \d+ 1\]')
        # §6.3.12: no such mailbox: NO [TRYCREATE], and nothing is created.
        status, line, _ = c.cmd(b'APPEND Nowhere {%d+}\r\n' % len(MSG) + MSG)
        self.assertEqual(status, 'NO')
        self.assertIn('[TRYCREATE]', line)
        self.assertEqual(strip(c.ok('LIST "" Nowhere')), [])

    def test_copy_move_uid_expunge_unselect_namespace(self):
        c = self.rev2(self.user(4))
        self.assertTrue(strip(c.ok('NAMESPACE'))[0].startswith(b'* NAMESPACE (("" "/"))'))
        c.ok('SELECT INBOX')
        # Appendix E item 8: COPY and MOVE to a missing mailbox: TRYCREATE.
        for text in ('COPY 1 Nowhere', 'MOVE 1 Nowhere', 'UID MOVE 1 Nowhere'):
            status, line, _ = c.cmd(text)
            self.assertEqual(status, 'NO', text)
            self.assertIn('[TRYCREATE]', line, text)
        # Item 7: COPYUID for MOVE and UID MOVE (untagged OK before the EXPUNGE).
        lines = strip(c.ok('MOVE 1 Archive'))
        self.assertRegex(lines[0], rb'^\* OK \[COPYUID \d+ 1 \d+\]')
        self.assertIn(b'* 1 EXPUNGE', lines)
        lines = strip(c.ok('UID MOVE 2 Archive'))
        self.assertRegex(lines[0], rb'^\* OK \[COPYUID \d+ 2 \d+\]')
        # UIDPLUS's UID EXPUNGE: only the named \Deleted message goes.
        c.ok('STORE 1:2 +FLAGS.SILENT (\\Deleted)')
        self.assertEqual(strip(c.ok('UID EXPUNGE 4')), [b'* 2 EXPUNGE'])
        self.assertIn(b'* 1 EXISTS', strip(c.ok('UNSELECT')) + strip(c.ok('EXAMINE INBOX')))

    def test_lsub_still_answers(self):
        c = self.rev2(self.user())
        c.ok('CREATE Lists')
        c.ok('SUBSCRIBE Lists')
        self.assertEqual(strip(c.ok('LSUB "" L*')), [b'* LSUB () "/" Lists'])
        self.assertEqual(strip(c.ok('LIST (SUBSCRIBED) "" L*')), [b'* LIST (\\Subscribed) "/" Lists'])

    def test_binary_and_literal8(self):
        c = self.rev2(self.user())
        body = b'Subject: bin\r\nContent-Type: application/octet-stream\r\n\r\na\x00b\r\n'
        status, line, _ = c.cmd(b'APPEND INBOX ~{%d+}\r\n' % len(body) + body)
        self.assertEqual(status, 'OK', line)
        c.ok('EXAMINE INBOX')
        got = b'\r\n'.join(c.ok('FETCH 1 (BINARY.SIZE[] BINARY.PEEK[])'))
        self.assertIn(b'BINARY.SIZE[] %d' % len(body), got)
        self.assertIn(b'BINARY[] ~{%d}' % len(body), got)
        self.assertIn(b'a\x00b', got)

    def test_check_is_kept(self):
        # RFC 9051 removed CHECK; a session that sends it anyway gets NOOP's answer.
        c = self.rev2(self.user(1))
        c.ok('SELECT INBOX')
        self.assertEqual(c.cmd('CHECK')[0], 'OK')

    def test_unsolicited_fetch_carries_uid(self):
        name = self.user(2)
        c = self.rev2(name)
        c.ok('SELECT INBOX')
        r1 = loftlib.RawImap(self.server, name, PASSWORD)
        r1.ok('SELECT INBOX')
        other = loftlib.RawImap(self.server, name, PASSWORD)
        other.ok('SELECT INBOX')
        other.ok('STORE 2 +FLAGS (\\Flagged)')

        def update(conn):
            for _ in range(50):
                lines = [l for l in strip(conn.ok('NOOP')) if b' FETCH ' in l]
                if lines:
                    return lines
            self.fail('no FETCH update')

        # §7.5.2: a rev2 session's unsolicited FETCH has UID; a rev1 one's is as before.
        self.assertEqual(update(c), [b'* 2 FETCH (UID 2 FLAGS (\\Flagged))'])
        self.assertEqual(update(r1), [b'* 2 FETCH (FLAGS (\\Flagged))'])
        # The session's own STORE answers as before (not unsolicited).
        self.assertEqual(strip(c.ok('STORE 1 +FLAGS (\\Seen)')), [b'* 1 FETCH (FLAGS (\\Seen))'])

    def test_new_names_must_be_nfc(self):
        name = self.user()
        c = self.rev2(name)
        decomposed = b'Cafe\xcc\x81'  # e + U+0301: not NFC
        for text in (b'CREATE "' + decomposed + b'"', b'CREATE "Top/' + decomposed + b'"'):
            status, line, _ = c.cmd(text)
            self.assertEqual(status, 'NO', text)
            self.assertIn('[CANNOT]', line)
        c.ok(b'CREATE "Caf\xc3\xa9"')  # precomposed
        status, line, _ = c.cmd(b'RENAME "Caf\xc3\xa9" "' + decomposed + b'"')
        self.assertEqual(status, 'NO')
        self.assertIn('[CANNOT]', line)
        self.assertEqual(strip(c.ok('LIST "" C*')), [b'* LIST (\\HasNoChildren) "/" "Caf\xc3\xa9"'])
        # A rev1 session still makes such a name (modified UTF-7 "Cafe&AwE-");
        # rev2 sessions list and select it by its bytes: nothing was
        # normalized, so no OLDNAME (§6.3.2).
        r1 = loftlib.RawImap(self.server, name, PASSWORD)
        r1.ok('CREATE Cafe&AwE-')
        listed = strip(c.ok(b'LIST "" "' + decomposed + b'"'))
        self.assertEqual(listed, [b'* LIST (\\HasNoChildren) "/" "' + decomposed + b'"'])
        lines = strip(c.ok(b'SELECT "' + decomposed + b'"'))
        self.assertEqual([l for l in lines if l.startswith(b'* LIST')], listed)
        self.assertFalse(any(b'OLDNAME' in l for l in lines))


if __name__ == '__main__':
    unittest.main()

#!/usr/bin/env python3
"""The commands that add, change and remove messages, end to end:

- APPEND (RFC 3501 §6.3.11) with flags, date-time, synchronising and LITERAL+
  literals, APPENDUID (RFC 4315), TRYCREATE before the "+", TOOBIG, wrong
  state, EXISTS to the session that has the target selected, and an APPEND
  answered OK survives a SIGKILL;
- STORE / UID STORE: FLAGS, +FLAGS, -FLAGS, .SILENT, keywords, \\Recent refused,
  read-only, bad sets, wrong state; a change is reported once;
- COPY / UID COPY with COPYUID; MOVE / UID MOVE (RFC 6851); EXPUNGE,
  UID EXPUNGE (RFC 4315), CLOSE, UNSELECT (RFC 3691), CHECK;

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_messages.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret-pw'
MAX_MESSAGE = 1 << 20


def message(n, size=0):
    body = b'Subject: m%d\r\nFrom: a@example.org\r\n\r\nBody %d\r\n' % (n, n)
    return body + b'x' * max(0, size - len(body))


def without_recent(lines):
    """\\Recent belongs to the mailbox view (tested with it): these tests
    compare the rest, so RECENT lines and \\Recent in flag lists are dropped."""
    out = []
    for line in lines:
        if re.fullmatch(rb'\* \d+ RECENT', line):
            continue
        out.append(re.sub(rb' ?\\Recent(?=[ )])', b'', line).replace(b'( ', b'('))
    return out


class MessagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(max_message_size=MAX_MESSAGE)
        cls.server.start()
        cls.users = 0

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def user(self):
        """A fresh account for one test (so tests do not see each other's mail)."""
        MessagesTest.users += 1
        name = 'u%d' % MessagesTest.users
        self.server.add_user(name, PASSWORD)
        return name

    def conn(self, name, login=True):
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        self.addCleanup(c.close)
        self.assertTrue(c.readline().startswith(b'* OK'))
        if login:
            self.ok(c, 'LOGIN %s %s' % (name, PASSWORD))
        return c

    def cmd(self, c, line, tag='T'):
        c.send(('%s %s\r\n' % (tag, line)).encode())
        tagged, lines = c.read_until_tagged(tag)
        self.assertIsNotNone(tagged, 'connection closed after %s' % line)
        return tagged, without_recent(lines[:-1])

    def ok(self, c, line):
        tagged, untagged = self.cmd(c, line)
        self.assertTrue(tagged.startswith(b'T OK'), (line, tagged))
        return tagged, untagged

    def append(self, c, mailbox, data, extra=b'', sync=True, tag='A'):
        """APPEND with a synchronising (waits for "+") or LITERAL+ literal."""
        head = b'%s APPEND %s %s{%d%s}\r\n' % (tag.encode(), mailbox.encode(), extra, len(data),
                                                b'' if sync else b'+')
        c.send(head)
        if sync:
            line = c.readline()
            if not line.startswith(b'+'):
                return line, []
        c.send(data + b'\r\n')
        tagged, lines = c.read_until_tagged(tag)
        return tagged, lines[:-1]

    def test_append_with_flags_date_and_appenduid(self):
        c = self.conn(self.user())
        data = message(1)
        tagged, _ = self.append(c, 'INBOX', data, b'(\\Seen $Work) "17-Jul-1996 02:44:25 -0700" ')
        m = re.match(rb'A OK \[APPENDUID (\d+) (\d+)\]', tagged)
        self.assertIsNotNone(m, tagged)
        self.assertEqual(int(m.group(2)), 1)
        tagged, _ = self.append(c, 'INBOX', message(2), sync=False)
        self.assertRegex(tagged, rb'A OK \[APPENDUID \d+ 2\]')
        _, untagged = self.ok(c, 'SELECT INBOX')
        self.assertIn(b'* 2 EXISTS', untagged)
        self.assertIn(b'[UIDVALIDITY %s]' % m.group(1), b' '.join(untagged))
        _, untagged = self.ok(c, 'UID FETCH 1 (FLAGS INTERNALDATE BODY.PEEK[])')
        first = untagged[0]
        self.assertIn(b'FLAGS (\\Seen $Work)', first)
        self.assertIn(b'INTERNALDATE "17-Jul-1996 02:44:25 -0700"', first)
        self.assertEqual(b'\r\n'.join(untagged[1:])[:len(data)], data)

    def test_append_refusals(self):
        c = self.conn(self.user())
        # RFC 3501 §6.3.11: no "+" for a mailbox that does not exist.
        line, _ = self.append(c, 'Nowhere', message(1))
        self.assertTrue(line.startswith(b'A NO [TRYCREATE]'), line)
        # With LITERAL+ the bytes arrive anyway; they are dropped, the answer is the same.
        tagged, _ = self.append(c, 'Nowhere', message(1), sync=False)
        self.assertTrue(tagged.startswith(b'A NO [TRYCREATE]'), tagged)
        # RFC 7889: too big.
        c.send(b'B APPEND INBOX {%d}\r\n' % (MAX_MESSAGE + 1))
        self.assertTrue(c.readline().startswith(b'B NO [TOOBIG]'))
        # Malformed flags and dates are BAD; the connection goes on.
        line, _ = self.append(c, 'INBOX', message(1), b'(\\Recent) ')
        self.assertTrue(line.startswith(b'A BAD'), line)
        line, _ = self.append(c, 'INBOX', message(1), b'"99-Jul-1996 02:44:25 -0700" ')
        self.assertTrue(line.startswith(b'A BAD'), line)
        tagged, _ = self.append(c, 'INBOX', message(1), b'(\\Bogus) ', sync=False)
        self.assertTrue(tagged.startswith(b'A BAD'), tagged)
        self.ok(c, 'NOOP')
        # Before login: BAD, and nothing is stored.
        anon = self.conn(None, login=False)
        line, _ = self.append(anon, 'INBOX', message(1))
        self.assertTrue(line.startswith(b'A BAD'), line)
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 0 EXISTS', untagged)

    def test_append_to_the_selected_mailbox_reports_exists(self):
        name = self.user()
        a = self.conn(name)
        self.ok(a, 'SELECT INBOX')
        # RFC 3501 §6.3.11: the selected target reports the new message at once.
        tagged, untagged = self.append(a, 'INBOX', message(1))
        self.assertTrue(tagged.startswith(b'A OK [APPENDUID'), tagged)
        self.assertIn(b'* 1 EXISTS', untagged)
        _, untagged = self.ok(a, 'NOOP')
        self.assertNotIn(b'* 1 EXISTS', untagged)
        # Another session appends: a sees it on NOOP, once.
        b = self.conn(name)
        self.append(b, 'INBOX', message(2))
        _, untagged = self.ok(a, 'NOOP')
        self.assertIn(b'* 2 EXISTS', untagged)
        _, untagged = self.ok(a, 'NOOP')
        self.assertEqual([l for l in untagged if l.endswith(b'EXISTS')], [])
        # STORE reports the flags it set.
        _, untagged = self.ok(a, 'STORE 1:2 +FLAGS (\\Seen)')
        self.assertEqual(len(untagged), 2)
        for n, line in enumerate(untagged, 1):
            self.assertEqual(line, b'* %d FETCH (FLAGS (\\Seen))' % n)

    def test_store_forms(self):
        c = self.conn(self.user())
        for n in range(1, 5):
            self.append(c, 'INBOX', message(n))
        self.ok(c, 'SELECT INBOX')
        _, untagged = self.ok(c, 'STORE 1:2 +FLAGS (\\Flagged $Label1)')
        self.assertEqual(untagged, [b'* 1 FETCH (FLAGS (\\Flagged $Label1))', b'* 2 FETCH (FLAGS (\\Flagged $Label1))'])
        _, untagged = self.ok(c, 'STORE 2 -FLAGS $label1')
        self.assertEqual(untagged, [b'* 2 FETCH (FLAGS (\\Flagged))'])
        _, untagged = self.ok(c, 'UID STORE 3:* FLAGS (\\Answered \\Draft)')
        self.assertEqual(untagged, [b'* 3 FETCH (FLAGS (\\Answered \\Draft) UID 3)',
                                    b'* 4 FETCH (FLAGS (\\Answered \\Draft) UID 4)'])
        _, untagged = self.ok(c, 'STORE 1 FLAGS.SILENT (\\Seen)')
        self.assertEqual(untagged, [])
        _, untagged = self.ok(c, 'FETCH 1 FLAGS')
        self.assertEqual(untagged, [b'* 1 FETCH (FLAGS (\\Seen))'])
        # Our own change is not reported again.
        _, untagged = self.ok(c, 'NOOP')
        self.assertEqual(untagged, [])
        # UIDs that do not exist match nothing; sequence numbers must exist.
        _, untagged = self.ok(c, 'UID STORE 90:95 +FLAGS (\\Seen)')
        self.assertEqual(untagged, [])
        for bad in ('STORE 9 +FLAGS (\\Seen)', 'STORE 1 +FLAGS (\\Recent)', 'STORE 1 +FLAGS (\\Foo)',
                    'STORE 1 BODY (\\Seen)', 'STORE x FLAGS ()'):
            tagged, _ = self.cmd(c, bad)
            self.assertTrue(tagged.startswith(b'T BAD'), (bad, tagged))
        self.ok(c, 'EXAMINE INBOX')
        tagged, _ = self.cmd(c, 'STORE 1 +FLAGS (\\Deleted)')
        self.assertTrue(tagged.startswith(b'T NO'), tagged)
        self.ok(c, 'UNSELECT')
        tagged, _ = self.cmd(c, 'STORE 1 +FLAGS (\\Deleted)')
        self.assertTrue(tagged.startswith(b'T BAD'), tagged)

    def test_another_session_sees_a_flag_change_once(self):
        name = self.user()
        a, b = self.conn(name), self.conn(name)
        self.append(a, 'INBOX', message(1))
        self.ok(a, 'SELECT INBOX')
        self.ok(b, 'SELECT INBOX')
        self.ok(a, 'STORE 1 +FLAGS.SILENT (\\Flagged)')
        _, untagged = self.ok(b, 'NOOP')
        self.assertEqual(untagged, [b'* 1 FETCH (FLAGS (\\Flagged))'])
        _, untagged = self.ok(b, 'NOOP')
        self.assertEqual(untagged, [])

    def test_copy_and_move(self):
        c = self.conn(self.user())
        for n in range(1, 5):
            self.append(c, 'INBOX', message(n))
        self.ok(c, 'SELECT INBOX')
        tagged, _ = self.ok(c, 'COPY 1:2 Archive')
        m = re.match(rb'T OK \[COPYUID (\d+) 1:2 1:2\] COPY completed', tagged)
        self.assertIsNotNone(m, tagged)
        tagged, _ = self.ok(c, 'UID COPY 4 Archive')
        self.assertRegex(tagged, rb'T OK \[COPYUID \d+ 4 3\]')
        tagged, _ = self.cmd(c, 'COPY 1 Nowhere')
        self.assertTrue(tagged.startswith(b'T NO [TRYCREATE]'), tagged)
        tagged, _ = self.cmd(c, 'COPY 7 Archive')
        self.assertTrue(tagged.startswith(b'T BAD'), tagged)
        # RFC 6851 §4.3: untagged COPYUID, then the EXPUNGEs, then the tagged OK.
        tagged, untagged = self.ok(c, 'MOVE 2:3 Trash')
        self.assertRegex(untagged[0], rb'\* OK \[COPYUID \d+ 2:3 1:2\]')
        self.assertEqual(untagged[1:], [b'* 2 EXPUNGE', b'* 2 EXPUNGE'])
        self.assertEqual(tagged, b'T OK MOVE completed')
        tagged, untagged = self.ok(c, 'UID MOVE 4 Trash')
        self.assertEqual(untagged[1:], [b'* 2 EXPUNGE'])
        _, untagged = self.ok(c, 'FETCH 1:* UID')
        self.assertEqual(untagged, [b'* 1 FETCH (UID 1)'])
        tagged, _ = self.cmd(c, 'MOVE 1 INBOX')
        self.assertTrue(tagged.startswith(b'T NO'), tagged)
        tagged, _ = self.cmd(c, 'MOVE 1 Nowhere')
        self.assertTrue(tagged.startswith(b'T NO [TRYCREATE]'), tagged)
        _, untagged = self.ok(c, 'EXAMINE Trash')
        self.assertIn(b'* 3 EXISTS', untagged)
        tagged, _ = self.cmd(c, 'MOVE 1 INBOX')
        self.assertTrue(tagged.startswith(b'T NO'), tagged)
        self.ok(c, 'COPY 1 INBOX')  # COPY from a read-only mailbox is fine

    def test_expunge_uid_expunge_close_unselect_check(self):
        c = self.conn(self.user())
        for n in range(1, 7):
            self.append(c, 'INBOX', message(n))
        self.ok(c, 'SELECT INBOX')
        self.ok(c, 'STORE 2,4,5 +FLAGS.SILENT (\\Deleted)')
        # RFC 4315 §2.1: only the \Deleted messages of the set go.
        _, untagged = self.ok(c, 'UID EXPUNGE 1:4')
        self.assertEqual(untagged, [b'* 2 EXPUNGE', b'* 3 EXPUNGE'])
        _, untagged = self.ok(c, 'EXPUNGE')
        self.assertEqual(untagged, [b'* 3 EXPUNGE'])
        _, untagged = self.ok(c, 'FETCH 1:* UID')
        self.assertEqual(untagged, [b'* 1 FETCH (UID 1)', b'* 2 FETCH (UID 3)', b'* 3 FETCH (UID 6)'])
        self.ok(c, 'CHECK')
        self.ok(c, 'STORE 1 +FLAGS.SILENT (\\Deleted)')
        # UNSELECT keeps \Deleted messages; EXAMINE + CLOSE too; CLOSE after SELECT removes them silently.
        self.ok(c, 'UNSELECT')
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 3 EXISTS', untagged)
        self.ok(c, 'CLOSE')
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 3 EXISTS', untagged)
        self.ok(c, 'SELECT INBOX')
        tagged, untagged = self.ok(c, 'CLOSE')
        self.assertEqual(untagged, [])
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 2 EXISTS', untagged)
        tagged, _ = self.cmd(c, 'EXPUNGE')
        self.assertTrue(tagged.startswith(b'T NO'), tagged)
        self.ok(c, 'UNSELECT')
        for cmd in ('EXPUNGE', 'UID EXPUNGE 1', 'CLOSE', 'UNSELECT', 'CHECK', 'COPY 1 INBOX', 'MOVE 1 INBOX'):
            tagged, _ = self.cmd(c, cmd)
            self.assertTrue(tagged.startswith(b'T BAD'), (cmd, tagged))

    def test_over_quota(self):
        name = self.user()
        r = self.server.ctl('quota', 'set', name, '--bytes', '10000', '--messages', '3')
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.conn(name)
        # RFC 3501 §7.5: refused before the "+" when the size is known to be too much.
        c.send(b'A APPEND INBOX {20000}\r\n')
        line = c.readline()
        self.assertTrue(line.startswith(b'A NO [OVERQUOTA]'), line)
        tagged, _ = self.append(c, 'INBOX', message(1, 20000), sync=False)
        self.assertTrue(tagged.startswith(b'A NO [OVERQUOTA]'), tagged)
        for n in range(1, 4):
            tagged, _ = self.append(c, 'INBOX', message(n))
            self.assertTrue(tagged.startswith(b'A OK'), tagged)
        # A fourth message: refused instead of the "+", before any byte is sent.
        c.send(b'A APPEND INBOX {%d}\r\n' % len(message(4)))
        line = c.readline()
        self.assertTrue(line.startswith(b'A NO [OVERQUOTA]'), line)
        self.ok(c, 'SELECT INBOX')
        tagged, _ = self.cmd(c, 'COPY 1 Archive')
        self.assertTrue(tagged.startswith(b'T NO [OVERQUOTA]'), tagged)
        # MOVE stays within the account's count: allowed.
        self.ok(c, 'MOVE 1 Archive')
        r = self.server.ctl('quota', 'set', name, '--bytes', '0', '--messages', 'x')
        self.assertNotEqual(r.returncode, 0)

    def test_capabilities(self):
        c = self.conn(self.user())
        _, untagged = self.ok(c, 'CAPABILITY')
        caps = untagged[0].split()
        for cap in (b'UIDPLUS', b'MOVE', b'UNSELECT', b'LITERAL+'):
            self.assertIn(cap, caps)

    def test_append_cut_short_leaves_nothing(self):
        name = self.user()
        c = self.conn(name)
        data = message(1, 300000)
        # The connection drops in the middle of the literal; then a BAD after it.
        c.send(b'A APPEND INBOX {%d+}\r\n' % len(data) + data[:200000])
        c.close()
        c = self.conn(name)
        c.send(b'A APPEND INBOX {%d+}\r\n' % len(data) + data + b' extra\r\n')
        tagged, _ = c.read_until_tagged('A')
        self.assertTrue(tagged.startswith(b'A BAD'), tagged)
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 0 EXISTS', untagged)
        # No body is left behind (docs/storage.md invariants, checked online).
        def clean():
            r = self.server.ctl('check')
            return r.returncode == 0 and r
        loftlib.wait_until(clean, 10, 'a clean store check')

    def test_z_append_ok_survives_a_crash(self):
        # APPEND is answered only once its commit is durable: SIGKILL right
        # after the OK loses nothing.
        name = self.user()
        c = self.conn(name)
        for n in range(1, 11):
            tagged, _ = self.append(c, 'INBOX', message(n, 3000))
            self.assertTrue(tagged.startswith(b'A OK'), tagged)
        self.server.kill()
        self.server.reset_addresses()
        self.server.start()
        c = self.conn(name)
        _, untagged = self.ok(c, 'EXAMINE INBOX')
        self.assertIn(b'* 10 EXISTS', untagged)


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""OBJECTID (RFC 8474): MAILBOXID on SELECT/EXAMINE, on the OK of CREATE and
as a STATUS item, stable across RENAME and new for a name created again;
EMAILID equal for a message and its COPY/MOVE copies, different for two
deliveries of the same bytes and between accounts; THREADID NIL (no threads
are kept); SEARCH EMAILID / THREADID, and bad ids refused.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_objectid.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'objectid-pw'
ID = rb'[A-Za-z0-9_-]{1,255}'
MSG = b'Subject: same bytes\r\nFrom: a@example.org\r\nMessage-ID: <same@example.org>\r\n\r\nBody\r\n'


def joined(lines):
    return b'\n'.join(lines)


class ObjectIdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        for user in ('olga', 'omar'):
            cls.server.add_user(user, PASSWORD)
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for rcpts in (['olga@example.org', 'omar@example.org'], ['olga@example.org']):
                _, _, data = lmtp.transaction('a@example.org', rcpts, loftlib.wire_data(MSG)[0])
                assert all(r[0] == 250 for r in data.values()), data
        finally:
            lmtp.close()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def imap(self, user='olga'):
        return loftlib.RawImap(self.server, user, PASSWORD)

    def mailboxid(self, imap, name, command='SELECT'):
        m = re.search(rb'\* OK \[MAILBOXID \((' + ID + rb')\)\]', joined(imap.ok('%s %s' % (command, name))))
        self.assertIsNotNone(m, name)
        return m.group(1)

    def status_id(self, imap, name):
        m = re.search(rb'MAILBOXID \((' + ID + rb')\)', joined(imap.ok('STATUS %s (MESSAGES MAILBOXID)' % name)))
        self.assertIsNotNone(m)
        return m.group(1)

    def email_ids(self, imap, uid_set='1:*'):
        out = {}
        for line in imap.ok('UID FETCH %s (EMAILID THREADID)' % uid_set):
            m = re.search(rb'UID (\d+)', line)
            e = re.search(rb'EMAILID \((' + ID + rb')\)', line)
            if m and e:
                self.assertIn(b'THREADID NIL', line)
                out[int(m.group(1))] = e.group(1)
        return out

    def test_capability(self):
        imap = self.imap()
        caps = joined(imap.ok('CAPABILITY'))
        self.assertIn(b' OBJECTID', caps)

    def test_mailboxid_create_select_status_rename(self):
        imap = self.imap()
        status, line, _ = imap.cmd('CREATE Proj')
        self.assertEqual(status, 'OK', line)
        m = re.search(r'\[MAILBOXID \(([A-Za-z0-9_-]+)\)\]', line)
        self.assertIsNotNone(m, line)
        created = m.group(1).encode()
        self.assertEqual(self.mailboxid(imap, 'Proj'), created)
        self.assertEqual(self.mailboxid(imap, 'Proj', 'EXAMINE'), created)
        self.assertEqual(self.status_id(imap, 'Proj'), created)
        imap.ok('UNSELECT')
        imap.ok('RENAME Proj Proj2')
        self.assertEqual(self.status_id(imap, 'Proj2'), created)  # §4.2: stable across RENAME
        imap.ok('DELETE Proj2')
        imap.ok('CREATE Proj2')
        self.assertNotEqual(self.status_id(imap, 'Proj2'), created)  # a new mailbox under the old name
        self.assertNotEqual(self.status_id(imap, 'INBOX'), self.status_id(imap, 'Proj2'))

    def test_rename_inbox_keeps_inbox_id(self):
        imap = self.imap('omar')
        inbox = self.status_id(imap, 'INBOX')
        imap.ok('RENAME INBOX Old')
        # RFC 3501 §6.3.5: INBOX stays (same id); its messages went to a new mailbox.
        self.assertEqual(self.status_id(imap, 'INBOX'), inbox)
        self.assertNotEqual(self.status_id(imap, 'Old'), inbox)

    def test_emailid_copy_move_and_deliveries(self):
        imap = self.imap()
        imap.ok('SELECT INBOX')
        ids = self.email_ids(imap)
        self.assertEqual(len(ids), 2)
        # Two deliveries of identical bytes are two messages (RFC 8474 §5.1 allows either).
        self.assertNotEqual(ids[1], ids[2])
        imap.ok('CREATE Copies')
        imap.ok('UID COPY 1 Copies')
        imap.ok('UID MOVE 2 Copies')
        imap.ok('SELECT Copies')
        copies = self.email_ids(imap)
        self.assertEqual(sorted(copies.values()), sorted([ids[1], ids[2]]))  # §5.1: same after COPY/MOVE
        # SEARCH EMAILID finds the copy; THREADID matches nothing (NIL everywhere).
        lines = imap.ok('UID SEARCH EMAILID %s' % ids[1].decode())
        self.assertIn(b'* SEARCH 1', lines)
        self.assertIn(b'* SEARCH', imap.ok('UID SEARCH EMAILID Mnothere'))
        self.assertNotIn(b'* SEARCH 1', imap.ok('UID SEARCH EMAILID Mnothere'))
        self.assertIn(b'* SEARCH', imap.ok('SEARCH THREADID T1'))
        status, line, _ = imap.cmd('SEARCH EMAILID "a b"')
        self.assertEqual(status, 'BAD', line)
        status, line, _ = imap.cmd('SEARCH EMAILID a.b')
        self.assertEqual(status, 'BAD', line)
        # Another account holding the same body sees another, unrelated id (§7).
        other = self.imap('omar')
        other.ok('SELECT INBOX' if b'* 1 EXISTS' in joined(other.ok('EXAMINE INBOX')) else 'SELECT Old')
        theirs = self.email_ids(other)
        self.assertEqual(len(theirs), 1)
        self.assertNotIn(list(theirs.values())[0], set(ids.values()))


if __name__ == '__main__':
    unittest.main(verbosity=2)

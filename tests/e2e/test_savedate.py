#!/usr/bin/env python3
"""SAVEDATE (RFC 8514): FETCH SAVEDATE is when the message was saved into
this mailbox (APPEND, delivery, COPY/MOVE target), not its INTERNALDATE;
SEARCH SAVEDBEFORE / SAVEDON / SAVEDSINCE compare it by day and
SAVEDATESUPPORTED matches every message; malformed dates are refused.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_savedate.py
    E2E_SERVER=dovecot python3 tests/e2e/test_savedate.py   # the same against Dovecot
"""

import datetime
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'savedate-pw'
DATE_RE = rb'"([ \d]\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4})"'


def parse_date(b):
    return datetime.datetime.strptime(b.decode().strip(), '%d-%b-%Y %H:%M:%S %z')


class SaveDateTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.make_server()
        cls.server.start()
        cls.server.add_user('sam', PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def fetch(self, imap, uid):
        lines = imap.ok('UID FETCH %d (INTERNALDATE SAVEDATE)' % uid)
        line = b' '.join(lines)
        internal = re.search(rb'INTERNALDATE ' + DATE_RE, line)
        saved = re.search(rb'SAVEDATE ' + DATE_RE, line)
        self.assertIsNotNone(internal, line)
        self.assertIsNotNone(saved, line)
        return parse_date(internal.group(1)), parse_date(saved.group(1))

    def test_append_copy_move_and_search(self):
        imap = loftlib.RawImap(self.server, 'sam', PASSWORD)
        self.assertIn(b' SAVEDATE', b' '.join(imap.ok('CAPABILITY')))
        msg = b'Subject: old\r\n\r\nbody\r\n'
        imap.c.send(b'a1 APPEND INBOX "01-Jan-2001 10:00:00 +0200" {%d}\r\n' % len(msg))
        self.assertTrue(imap.c.readline().startswith(b'+'))
        imap.c.send(msg + b'\r\n')
        tagged, _ = imap.c.read_until_tagged('a1')
        self.assertTrue(tagged.startswith(b'a1 OK'), tagged)
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        imap.ok('SELECT INBOX')
        internal, saved = self.fetch(imap, 1)
        self.assertEqual(internal.year, 2001)  # the date APPEND gave
        self.assertLess(abs((saved - before).total_seconds()), 120)  # when it was saved
        self.assertEqual(saved.utcoffset(), datetime.timedelta(0))
        time.sleep(1.1)
        imap.ok('CREATE Kept')
        imap.ok('UID COPY 1 Kept')
        imap.ok('SELECT Kept')
        c_internal, c_saved = self.fetch(imap, 1)
        self.assertEqual(c_internal, internal)  # the copy keeps the internal date
        self.assertGreater(c_saved, saved)       # and is saved later, in this mailbox
        time.sleep(1.1)
        imap.ok('CREATE Moved')
        imap.ok('UID MOVE 1 Moved')
        imap.ok('SELECT Moved')
        m_internal, m_saved = self.fetch(imap, 1)
        self.assertEqual(m_internal, internal)
        self.assertGreater(m_saved, c_saved)

        today = datetime.datetime.now(datetime.timezone.utc)
        fmt = lambda d: d.strftime('%d-%b-%Y')
        tomorrow, yesterday = today + datetime.timedelta(days=1), today - datetime.timedelta(days=1)
        def search(key):
            lines = imap.ok('UID SEARCH ' + key)
            return [l for l in lines if l.startswith(b'* SEARCH')][0].split()[2:]
        self.assertEqual(search('SAVEDON ' + fmt(m_saved)), [b'1'])
        self.assertEqual(search('SAVEDSINCE ' + fmt(yesterday)), [b'1'])
        self.assertEqual(search('SAVEDBEFORE ' + fmt(tomorrow)), [b'1'])
        self.assertEqual(search('SAVEDBEFORE ' + fmt(yesterday)), [])
        self.assertEqual(search('SAVEDSINCE ' + fmt(tomorrow)), [])
        self.assertEqual(search('ON 01-Jan-2001'), [b'1'])  # internal date, unlike SAVEDON
        self.assertEqual(search('SAVEDON 01-Jan-2001'), [])
        self.assertEqual(search('SAVEDATESUPPORTED'), [b'1'])
        self.assertEqual(search('NOT SAVEDATESUPPORTED'), [])
        for bad in ('SAVEDON 1-Foo-2020', 'SAVEDSINCE', 'SAVEDATESUPPORTED 1-Jan-2020x'):
            status, line, _ = imap.cmd('UID SEARCH ' + bad)
            self.assertEqual(status, 'BAD', (bad, line))

    def test_delivery_gets_a_save_date(self):
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            _, _, data = lmtp.transaction('a@example.org', ['sam@example.org'],
                                          loftlib.wire_data(b'Subject: d\r\n\r\nx\r\n')[0])
            self.assertEqual([r[0] for r in data.values()], [250])
        finally:
            lmtp.close()
        imap = loftlib.RawImap(self.server, 'sam', PASSWORD)
        imap.ok('SELECT INBOX')
        uid = int(re.search(rb'UID (\d+)', b' '.join(imap.ok('FETCH * (UID)'))).group(1))
        _, saved = self.fetch(imap, uid)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((saved - now).total_seconds()), 120)


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""SORT, THREAD and ESEARCH end to end with Python's imaplib: RFC 5256 SORT on
every key (and REVERSE, several keys, UID SORT), RFC 5957 DISPLAYFROM and
DISPLAYTO, RFC 5267 ESORT, THREAD ORDEREDSUBJECT / REFERENCES / REFS on a
small hand-made mailbox whose answers are worked out in the comments, RFC 4731
SEARCH RETURN, and the BAD / NO answers of each command.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_sort_thread.py
"""

import datetime
import imaplib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'sort-secret'
UTC = datetime.timezone.utc

# (headers, INTERNALDATE). Sent dates in UTC: 1 Jan 3 10:00, 2 Jan 2 10:00,
# 3 Jan 2 14:00 (09:00 -0500), 4 none (its INTERNALDATE, 2019), 5 Jan 5, 6 Jan 6.
# Base subjects: HELLO (1 a reply, 2), OTHER (3 "[list] Fwd:", 4 "(fwd)"), UNRELATED (5, 6).
# Threads: 3 answers 2, 4 answers 3 (References b c), 5 and 6 answer a missing message.
MESSAGES = [
    ('From: Zed <zed@x.org>\r\nTo: amy@x.org\r\nSubject: Re: Hello\r\n'
     'Date: Fri, 3 Jan 2020 10:00:00 +0000\r\nMessage-ID: <a@x>\r\n', datetime.datetime(2021, 1, 1, tzinfo=UTC)),
    ('From: amy@x.org\r\nTo: Bob <bob@x.org>\r\nSubject: Hello\r\n'
     'Date: Thu, 2 Jan 2020 10:00:00 +0000\r\nMessage-ID: <b@x>\r\n', datetime.datetime(2021, 1, 2, tzinfo=UTC)),
    ('From: Bob <bob@x.org>\r\nCc: carl@x.org\r\nSubject: [list] Fwd: Other\r\n'
     'Date: Thu, 2 Jan 2020 09:00:00 -0500\r\nMessage-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\n',
     datetime.datetime(2021, 1, 3, tzinfo=UTC)),
    ('Subject: other (fwd)\r\nMessage-ID: <d@x>\r\nReferences: <b@x> <c@x>\r\n',
     datetime.datetime(2019, 1, 1, tzinfo=UTC)),
    ('From: =?utf-8?q?=C3=89mile?= <emile@x.org>\r\nSubject: Unrelated\r\n'
     'Date: Sun, 5 Jan 2020 00:00:00 +0000\r\nMessage-ID: <e@x>\r\nReferences: <missing@x>\r\n',
     datetime.datetime(2021, 1, 5, tzinfo=UTC)),
    ('Subject: Unrelated\r\nDate: Mon, 6 Jan 2020 00:00:00 +0000\r\nReferences: <missing@x>\r\n',
     datetime.datetime(2021, 1, 6, tzinfo=UTC)),
]


class SortThreadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        cls.imap = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        cls.imap.login('alice', PASSWORD)
        for i, (headers, when) in enumerate(MESSAGES):
            body = (headers + '\r\n' + 'x' * (100 * ((i * 7) % 6)) + '\r\n').encode()
            typ, data = cls.imap.append('INBOX', None, imaplib.Time2Internaldate(when), body)
            assert typ == 'OK', data
        cls.imap.select('INBOX')
        # UID n is message n + 100 after a move? No: a fresh mailbox, UID n is message n.

    @classmethod
    def tearDownClass(cls):
        cls.imap.logout()
        cls.server.stop()
        cls.server.cleanup()

    def raw(self, line):
        """(tagged status and text, [untagged lines]) of one command line."""
        tag = self.imap._new_tag()
        self.imap.send(tag + b' ' + line.encode() + b'\r\n')
        untagged = []
        for _ in range(1000):
            resp = self.imap._get_line()
            if resp.startswith(tag + b' '):
                return resp[len(tag) + 1:].decode(), [u.decode() for u in untagged]
            untagged.append(resp)
        raise AssertionError('no tagged reply')

    def sort(self, criteria, search='ALL', uid=False):
        st, untagged = self.raw('%sSORT (%s) UTF-8 %s' % ('UID ' if uid else '', criteria, search))
        self.assertTrue(st.startswith('OK'), st)
        lines = [u for u in untagged if u.startswith('* SORT')]
        self.assertEqual(len(lines), 1, untagged)
        return [int(n) for n in lines[0][len('* SORT'):].split()]

    def thread(self, alg, search='ALL', uid=False):
        st, untagged = self.raw('%sTHREAD %s UTF-8 %s' % ('UID ' if uid else '', alg, search))
        self.assertTrue(st.startswith('OK'), st)
        lines = [u for u in untagged if u.startswith('* THREAD')]
        self.assertEqual(len(lines), 1, untagged)
        return lines[0]

    def test_capabilities(self):
        st, u = self.raw('CAPABILITY')
        caps = u[0].split()
        for c in ('SORT', 'SORT=DISPLAY', 'ESORT', 'ESEARCH', 'WITHIN', 'THREAD=ORDEREDSUBJECT', 'THREAD=REFERENCES',
                  'THREAD=REFS'):
            self.assertIn(c, caps)

    def test_sort_keys(self):
        self.assertEqual(self.sort('ARRIVAL'), [4, 1, 2, 3, 5, 6])
        self.assertEqual(self.sort('REVERSE ARRIVAL'), [6, 5, 3, 2, 1, 4])
        self.assertEqual(self.sort('DATE'), [4, 2, 3, 1, 5, 6])  # the zone counts
        self.assertEqual(self.sort('REVERSE DATE'), [6, 5, 1, 3, 2, 4])
        self.assertEqual(self.sort('SUBJECT'), [1, 2, 3, 4, 5, 6])  # ties in sequence order
        self.assertEqual(self.sort('SUBJECT DATE'), [2, 1, 4, 3, 5, 6])
        self.assertEqual(self.sort('REVERSE SUBJECT'), [5, 6, 3, 4, 1, 2])
        self.assertEqual(self.sort('SUBJECT REVERSE DATE'), [1, 2, 3, 4, 6, 5])
        self.assertEqual(self.sort('FROM'), [4, 6, 2, 3, 5, 1])
        self.assertEqual(self.sort('DISPLAYFROM'), [4, 6, 2, 3, 1, 5])
        self.assertEqual(self.sort('TO'), [3, 4, 5, 6, 1, 2])
        self.assertEqual(self.sort('DISPLAYTO'), [3, 4, 5, 6, 1, 2])
        self.assertEqual(self.sort('CC'), [1, 2, 4, 5, 6, 3])
        self.assertEqual(self.sort('REVERSE CC'), [3, 1, 2, 4, 5, 6])
        st, untagged = self.raw('FETCH 1:* (RFC822.SIZE)')
        sizes = {int(m.group(1)): int(m.group(2)) for u in untagged
                 for m in [re.match(r'\* (\d+) FETCH \(RFC822\.SIZE (\d+)\)', u)] if m}
        self.assertEqual(self.sort('SIZE'), sorted(sizes, key=lambda n: (sizes[n], n)))

    def test_sort_search_and_uid(self):
        self.assertEqual(self.sort('DATE', 'SUBJECT hello'), [2, 1])
        self.assertEqual(self.sort('DATE', 'NOT ALL'), [])
        self.assertEqual(self.sort('DATE', '2:5', uid=True), [4, 2, 3, 5])
        # The search program sees the same message state as SEARCH: every
        # message has a modseq of at least 1 (RFC 7162 §3.1.5).
        self.assertEqual(self.sort('DATE', 'MODSEQ 1'), [4, 2, 3, 1, 5, 6])
        self.assertEqual(self.thread('ORDEREDSUBJECT', 'MODSEQ 1'), self.thread('ORDEREDSUBJECT'))
        typ, data = self.imap.sort('(REVERSE DATE)', 'UTF-8', 'ALL')  # imaplib's own form
        self.assertEqual((typ, data[0].split()), ('OK', [b'6', b'5', b'1', b'3', b'2', b'4']))

    def test_esort(self):
        st, u = self.raw('SORT RETURN (MIN MAX COUNT ALL) (DATE) UTF-8 ALL')
        self.assertTrue(st.startswith('OK'), st)
        self.assertEqual(len(u), 1, u)
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) MIN 4 MAX 6 ALL 4,2:3,1,5:6 COUNT 6$')
        st, u = self.raw('UID SORT RETURN () (SUBJECT) UTF-8 ALL')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) UID ALL 1:6$')
        st, u = self.raw('SORT RETURN (COUNT MIN) (DATE) UTF-8 NOT ALL')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) COUNT 0$')

    def test_threads(self):
        self.assertEqual(self.thread('REFERENCES'), '* THREAD (2 (3 4)(1))((5)(6))')
        self.assertEqual(self.thread('REFS'), '* THREAD (2 3 4)(1)((5)(6))')
        self.assertEqual(self.thread('ORDEREDSUBJECT'), '* THREAD (4 3)(2 1)(5 6)')
        self.assertEqual(self.thread('REFERENCES', '5:6', uid=True), '* THREAD ((5)(6))')
        self.assertEqual(self.thread('ORDEREDSUBJECT', 'NOT ALL'), '* THREAD')
        typ, data = self.imap.thread('REFERENCES', 'UTF-8', 'ALL')  # imaplib's own form
        self.assertEqual((typ, data[0]), ('OK', b'(2 (3 4)(1))((5)(6))'))

    def test_esearch(self):
        # The correlator is the command's own tag (RFC 4731 §3.1).
        tag = self.imap._new_tag()
        self.imap.send(tag + b' UID SEARCH RETURN (COUNT) ALL\r\n')
        self.assertEqual(self.imap._get_line(), b'* ESEARCH (TAG "' + tag + b'") UID COUNT 6')
        self.assertTrue(self.imap._get_line().startswith(tag + b' OK'))
        st, u = self.raw('SEARCH RETURN (MIN MAX COUNT ALL) ALL')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) MIN 1 MAX 6 ALL 1:6 COUNT 6$')
        st, u = self.raw('UID SEARCH RETURN () SUBJECT unrelated')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) UID ALL 5:6$')
        st, u = self.raw('SEARCH RETURN (ALL) OR 1 3:4')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) ALL 1,3:4$')
        st, u = self.raw('SEARCH RETURN (MIN MAX ALL COUNT) NOT ALL')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) COUNT 0$')
        st, u = self.raw('SEARCH RETURN (MIN) CHARSET UTF-8 SUBJECT other')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) MIN 3$')
        self.assertFalse(any(x.startswith('* SEARCH') for x in u))

    def test_within(self):
        # RFC 5032: INTERNALDATEs are 2019-2021, so all are older than a day, none younger.
        typ, data = self.imap.search(None, 'OLDER', '86400')
        self.assertEqual((typ, data[0].split()), ('OK', [b'1', b'2', b'3', b'4', b'5', b'6']))
        typ, data = self.imap.search(None, 'YOUNGER', '86400')
        self.assertEqual((typ, data[0]), ('OK', b''))
        st, u = self.raw('SEARCH RETURN (COUNT) YOUNGER 2000000000')
        self.assertRegex(u[0], r'^\* ESEARCH \(TAG "[^"]+"\) COUNT 6$')
        st, _ = self.raw('SEARCH OLDER 0')
        self.assertTrue(st.startswith('BAD'), st)

    def test_errors(self):
        for line in ('SORT (DATE) ALL',                      # charset is required
                     'SORT (BOGUS) UTF-8 ALL', 'SORT () UTF-8 ALL', 'SORT DATE UTF-8 ALL',
                     'SORT (REVERSE) UTF-8 ALL', 'SORT (DATE) UTF-8', 'SORT RETURN (BOGUS) (DATE) UTF-8 ALL',
                     'THREAD UTF-8 ALL', 'THREAD BOGUS UTF-8 ALL', 'THREAD REFERENCES ALL',
                     'SEARCH RETURN (BOGUS) ALL', 'SEARCH RETURN ALL', 'SEARCH RETURN (UPDATE UPDATE) ALL',
                     'SORT RETURN (UPDATES) (DATE) UTF-8 ALL', 'UID SORT (DATE) UTF-8 BOGUSKEY'):
            # (SAVE is RFC 5182 SEARCHRES, tests/e2e/test_searchres.py; UPDATE is RFC 5267,
            # tests/e2e/test_context.py.)
            st, _ = self.raw(line)
            self.assertTrue(st.startswith('BAD'), (line, st))
        for line in ('SORT (DATE) KOI8-R ALL', 'THREAD REFS ISO-8859-1 ALL'):
            st, _ = self.raw(line)
            self.assertTrue(st.startswith('NO [BADCHARSET'), (line, st))
        # Selected state only (RFC 5256 §3).
        other = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        other.login('alice', PASSWORD)
        for cmd in (('SORT', '(DATE)', 'UTF-8', 'ALL'), ('THREAD', 'REFS', 'UTF-8', 'ALL')):
            with self.assertRaises(imaplib.IMAP4.error):
                other._simple_command(*cmd)
        other.logout()


if __name__ == '__main__':
    loftlib.run_unittest('test_sort_thread')

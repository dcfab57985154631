#!/usr/bin/env python3
"""RFC 9394 PARTIAL end to end: SEARCH / UID SEARCH / SORT / UID SORT
RETURN (PARTIAL m:n) and (PARTIAL -m:-n) alone and with MIN, MAX, COUNT and
SAVE, ranges past the end (NIL), reversed ranges, the BAD forms (with ALL,
zero, mixed signs, twice); then positive ranges against a private Dovecot
2.3 (its CONTEXT=SEARCH PARTIAL, RFC 5267 §4.4, which RFC 9394 extends).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_partial.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'partial-secret'
N = 30


def message(i):
    # Sizes fall as i grows, so SIZE order is the reverse of arrival.
    return ('From: a@x.org\r\nSubject: m%d %s\r\nMessage-ID: <%d@x>\r\n\r\n%s\r\n'
            % (i, 'odd' if i % 2 else 'even', i, 'z' * (40 * (N - i)))).encode()


def esearch(untagged):
    lines = [u for u in untagged if u.startswith(b'* ESEARCH')]
    assert len(lines) == 1, untagged
    return re.sub(rb'^\* ESEARCH \(TAG "[^"]*"\)', b'', lines[0]).decode().strip()


class PartialTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        m = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        m.login('alice', PASSWORD)
        for i in range(1, N + 1):
            typ, data = m.append('INBOX', None, None, message(i))
            assert typ == 'OK', data
        # Expunge 1 and 2 so UIDs (3..30) differ from sequence numbers (1..28).
        m.select('INBOX')
        m.store('1:2', '+FLAGS', '(\\Deleted)')
        m.expunge()
        m.logout()
        cls.c = loftlib.RawImap(cls.server, 'alice', PASSWORD)
        cls.c.ok('SELECT INBOX')

    @classmethod
    def tearDownClass(cls):
        cls.c.c.close()
        rc = cls.server.stop()
        cls.server.cleanup()
        assert rc == 0, rc

    def test_capability(self):
        self.assertIn(b' PARTIAL', b' '.join(self.c.ok('CAPABILITY')))

    def test_search_ranges(self):
        cases = [
            ('UID SEARCH RETURN (PARTIAL 1:5) ALL', 'UID PARTIAL (1:5 3:7)'),
            ('SEARCH RETURN (PARTIAL 1:5) ALL', 'PARTIAL (1:5 1:5)'),
            ('UID SEARCH RETURN (PARTIAL 5:1) ALL', 'UID PARTIAL (1:5 3:7)'),
            ('UID SEARCH RETURN (PARTIAL -1:-3) ALL', 'UID PARTIAL (-1:-3 28:30)'),
            ('UID SEARCH RETURN (PARTIAL -3:-1) SUBJECT odd', 'UID PARTIAL (-1:-3 25,27,29)'),
            ('UID SEARCH RETURN (PARTIAL 2:3) SUBJECT even', 'UID PARTIAL (2:3 6,8)'),
            ('UID SEARCH RETURN (PARTIAL 27:100) ALL', 'UID PARTIAL (27:100 29:30)'),
            ('UID SEARCH RETURN (PARTIAL 29:100) ALL', 'UID PARTIAL (29:100 NIL)'),
            ('UID SEARCH RETURN (PARTIAL -29:-40) ALL', 'UID PARTIAL (-29:-40 NIL)'),
            ('UID SEARCH RETURN (PARTIAL -20:-40) ALL', 'UID PARTIAL (-20:-40 3:11)'),
            ('UID SEARCH RETURN (PARTIAL 1:10) SUBJECT nothing', 'UID PARTIAL (1:10 NIL)'),
            ('UID SEARCH RETURN (COUNT PARTIAL 1:2 MIN MAX) SUBJECT odd',
             'UID MIN 3 MAX 29 PARTIAL (1:2 3,5) COUNT 14'),
            ('UID SEARCH RETURN (PARTIAL 1:4294967295 COUNT) ALL', 'UID PARTIAL (1:4294967295 3:30) COUNT 28'),
        ]
        for cmd, want in cases:
            with self.subTest(cmd=cmd):
                self.assertEqual(esearch(self.c.ok(cmd)), want)

    def test_sort_ranges(self):
        # SIZE order is the reverse of arrival: UIDs 30, 29, ... 3.
        cases = [
            ('UID SORT RETURN (PARTIAL 1:3) (SIZE) UTF-8 ALL', 'UID PARTIAL (1:3 30,29,28)'),
            ('UID SORT RETURN (PARTIAL -1:-3) (SIZE) UTF-8 ALL', 'UID PARTIAL (-1:-3 5,4,3)'),
            ('SORT RETURN (PARTIAL 1:3) (REVERSE SIZE) UTF-8 ALL', 'PARTIAL (1:3 1:3)'),
            ('UID SORT RETURN (MIN PARTIAL 2:2 COUNT) (SIZE) UTF-8 SUBJECT odd', 'UID MIN 29 PARTIAL (2:2 27) COUNT 14'),
            ('UID SORT RETURN (PARTIAL 40:50) (SIZE) UTF-8 ALL', 'UID PARTIAL (40:50 NIL)'),
        ]
        for cmd, want in cases:
            with self.subTest(cmd=cmd):
                self.assertEqual(esearch(self.c.ok(cmd)), want)

    def test_save(self):
        # PARTIAL without ALL or COUNT saves its window (as MIN/MAX do, RFC 5182 §2.1).
        self.assertEqual(esearch(self.c.ok('UID SEARCH RETURN (SAVE PARTIAL -1:-2) ALL')), 'UID PARTIAL (-1:-2 29:30)')
        self.assertEqual(esearch(self.c.ok('UID SEARCH RETURN (ALL) $')), 'UID ALL 29:30')
        self.c.ok('UID SEARCH RETURN (SAVE PARTIAL 1:1 COUNT) SUBJECT odd')
        self.assertEqual(esearch(self.c.ok('UID SEARCH RETURN (COUNT) $')), 'UID COUNT 14')

    def test_bad(self):
        for cmd in ('SEARCH RETURN (PARTIAL 1:5 ALL) ALL', 'SEARCH RETURN () ALL PARTIAL 1:5',
                    'SEARCH RETURN (PARTIAL 0:5) ALL', 'SEARCH RETURN (PARTIAL -1:5) ALL',
                    'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL', 'SEARCH RETURN (PARTIAL) ALL',
                    'SORT RETURN (PARTIAL 1:*) (SIZE) UTF-8 ALL', 'SEARCH RETURN (PARTIAL 5) ALL'):
            with self.subTest(cmd=cmd):
                self.assertEqual(self.c.cmd(cmd)[0], 'BAD')


class PartialDovecotDiff(unittest.TestCase):
    """Positive ranges, which Dovecot 2.3 answers (CONTEXT=SEARCH PARTIAL)."""

    SCRIPT = [
        'SELECT INBOX',
        'STORE 1:2 +FLAGS.SILENT (\\Deleted)',
        'EXPUNGE',
        'UID SEARCH RETURN (PARTIAL 1:5) ALL',
        'SEARCH RETURN (PARTIAL 1:5) ALL',
        'UID SEARCH RETURN (PARTIAL 5:1) SUBJECT odd',
        'UID SEARCH RETURN (PARTIAL 27:100) ALL',
        'UID SEARCH RETURN (PARTIAL 29:100) ALL',
        'UID SEARCH RETURN (PARTIAL 1:3) SUBJECT nothing',
        'UID SEARCH RETURN (COUNT PARTIAL 1:2 MIN MAX) SUBJECT odd',
        'UID SEARCH RETURN (PARTIAL 1:5 ALL) ALL',
        'SEARCH RETURN (PARTIAL 0:5) ALL',
    ]

    @classmethod
    def setUpClass(cls):
        from test_dovecot_diff import SENDER, start_pair
        start_pair(cls, 'alice', PASSWORD, [('partial/%d' % i, message(i)) for i in range(1, N + 1)], SENDER)

    def test_same_answers(self):
        for cmd in self.SCRIPT:
            with self.subTest(cmd=cmd):
                lst, lu = self.lc.cmd(cmd)
                dst, du = self.dc.cmd(cmd)
                self.assertEqual(lst, dst, cmd)
                if cmd.startswith('SELECT'):
                    continue
                # (EXPUNGE order differs: Dovecot reports from the end.)
                keep = [u.rstrip(b'\r\n') for u in lu if u.startswith(b'* ESEARCH')]
                dkeep = [u.rstrip(b'\r\n') for u in du if u.startswith(b'* ESEARCH')]
                self.assertEqual(keep, dkeep, cmd)


if __name__ == '__main__':
    unittest.main(verbosity=2)

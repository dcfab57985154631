#!/usr/bin/env python3
"""SEARCH=FUZZY (RFC 6203) end to end with Python's imaplib: FUZZY BODY finds
inflected forms (Snowball stems) and exact substrings, RETURN (RELEVANCY)
and (ALL RELEVANCY), SORT (RELEVANCY) and (REVERSE RELEVANCY), CAPABILITY,
errors; every answer is the same with the full-text index on (narrowing by
stem terms) and with [search] index = false, and an index stemmed in other
languages than the configured ones is not used for FUZZY (docs/search.md
"FUZZY", "Stem terms").

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_fuzzy.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'fuzzy-secret'


def mail(subject, body):
    return ('From: a@example.org\r\nTo: alice@example.org\r\nSubject: %s\r\n'
            'Message-ID: <%s@example.org>\r\n\r\n%s\r\n' % (subject, abs(hash(subject + body)), body)).encode()


MESSAGES = [
    mail('Meetings next week', 'We are meeting on Monday, see you there.'),           # uid 1
    mail('Lunch', 'The meetings were long: meeting after meeting after meeting.'),   # uid 2
    mail('Budget', 'Numbers only, no gatherings planned.'),                           # uid 3
    mail('Connected', 'They met at the connection point of the two roads.'),          # uid 4
    mail('Other', 'Nothing about it here at all, just filler words and more words.'),  # uid 5
    mail('Planning meeting', 'Agenda attached.'),                                      # uid 6
    mail('Haus', 'Das Haus steht am See.'),                                            # uid 7
    mail('Stadt', 'Viele Leute in den H\u00e4usern.'),                                      # uid 8
]

QUERIES = [
    ['FUZZY', 'BODY', 'meetings'], ['BODY', 'meetings'], ['FUZZY', 'BODY', 'eet'],
    ['FUZZY', 'BODY', 'connections'], ['FUZZY', 'TEXT', '"meetings planned"'], ['FUZZY', 'SUBJECT', 'meet'],
    ['FUZZY', 'BODY', '"connected roads"'], ['NOT', 'FUZZY', 'BODY', 'meet'], ['FUZZY', '(SUBJECT', 'plan)'],
    ['OR', 'FUZZY', 'BODY', 'gathering', 'FUZZY', 'SUBJECT', 'lunches'], ['FUZZY', 'FROM', 'example'],
]


class FuzzyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.base_config = open(cls.server.config).read()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        cls.server.deliver_all(MESSAGES)
        cls.server.wait_index_caught_up(1, 120)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    @classmethod
    def restart(cls, index):
        cls.server.restart_with('[search]\nindex = %s\n' % ('true' if index else 'false'))

    def connect(self):
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        imap.login('alice', PASSWORD)
        imap.select('INBOX')
        return imap

    def esearch(self, imap, *args):
        """Runs a command answered by one ESEARCH; returns its data after the correlator."""
        imap.untagged_responses.pop('ESEARCH', None)
        typ, data = imap._simple_command(*args)
        self.assertEqual(typ, 'OK', (args, data))
        lines = imap.untagged_responses.pop('ESEARCH', [])
        self.assertEqual(len(lines), 1, (args, lines))
        return re.sub(rb'^\(TAG "[^"]*"\)', b'', lines[0]).decode().strip()

    def answers(self):
        imap = self.connect()
        try:
            out = []
            for q in QUERIES:
                typ, data = imap.uid('SEARCH', *q)
                self.assertEqual(typ, 'OK', (q, data))
                out.append(sorted(int(x) for x in data[0].split()))
            out.append(self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(ALL RELEVANCY)', 'FUZZY', 'BODY', 'meetings'))
            out.append(self.esearch(imap, 'UID', 'SORT', 'RETURN', '(ALL RELEVANCY)', '(RELEVANCY)', 'UTF-8',
                                    'FUZZY', 'TEXT', 'meeting'))
            return out
        finally:
            imap.logout()

    def test_1_matching(self):
        imap = self.connect()
        try:
            typ, caps = imap.capability()
            self.assertIn(b'SEARCH=FUZZY', caps[0].split())
            uids = lambda *q: sorted(int(x) for x in imap.uid('SEARCH', *q)[1][0].split())
            self.assertEqual(uids('FUZZY', 'BODY', 'meetings'), [1, 2])       # "meeting" by stem, exact in 2
            self.assertEqual(uids('BODY', 'meetings'), [2])                    # exact: substring only
            self.assertEqual(uids('FUZZY', 'BODY', 'eet'), [1, 2])            # exact substrings still match
            self.assertEqual(uids('FUZZY', 'BODY', 'connections'), [4])
            self.assertEqual(uids('FUZZY', 'SUBJECT', 'meet'), [1, 6])
            self.assertEqual(uids('FUZZY', 'BODY', '"connected roads"'), [4])  # every word must match
            self.assertEqual(uids('FUZZY', 'BODY', '"connected lunches"'), [])
            self.assertEqual(uids('FUZZY', 'FROM', 'examples'), [])            # addresses stay exact
        finally:
            imap.logout()

    def test_2_relevancy(self):
        imap = self.connect()
        try:
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(RELEVANCY)', 'FUZZY', 'BODY', 'meetings')
            m = re.fullmatch(r'UID RELEVANCY \((\d+) (\d+)\)', got)
            self.assertTrue(m, got)
            s1, s2 = int(m.group(1)), int(m.group(2))
            self.assertTrue(1 <= s1 < s2 <= 100, got)  # uid 2 holds the word exactly, and often
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(ALL RELEVANCY)', 'FUZZY', 'BODY', 'meetings')
            self.assertEqual(got, 'UID ALL 1:2 RELEVANCY (%d %d)' % (s1, s2))
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(MIN COUNT RELEVANCY)', 'FUZZY', 'BODY', 'meetings')
            self.assertEqual(got, 'UID MIN 1 COUNT 2 RELEVANCY (%d %d)' % (s1, s2))  # scores of every match
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(COUNT RELEVANCY)', 'FUZZY', 'BODY', 'zebras')
            self.assertEqual(got, 'UID COUNT 0')  # no match: no RELEVANCY, as no ALL
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(RELEVANCY)', 'BODY', 'meeting')
            self.assertEqual(got, 'UID RELEVANCY (100 100)')  # no FUZZY key: every match is exact
            # A subject match counts above a body match.
            got = self.esearch(imap, 'UID', 'SEARCH', 'RETURN', '(ALL RELEVANCY)', 'FUZZY', 'TEXT', 'planning')
            m = re.fullmatch(r'UID ALL 3,6 RELEVANCY \((\d+) (\d+)\)', got)
            self.assertTrue(m, got)
            self.assertLess(int(m.group(1)), int(m.group(2)))
            # SORT (RELEVANCY): most relevant first; REVERSE: least first.
            self.assertEqual(imap.uid('SORT', '(RELEVANCY)', 'UTF-8', 'FUZZY', 'BODY', 'meetings')[1][0], b'2 1')
            self.assertEqual(imap.uid('SORT', '(REVERSE RELEVANCY)', 'UTF-8', 'FUZZY', 'BODY', 'meetings')[1][0],
                             b'1 2')
            # Equal scores (no FUZZY key): the next key, then sequence order.
            self.assertEqual(imap.uid('SORT', '(RELEVANCY REVERSE SIZE)', 'UTF-8', 'BODY', 'meeting')[1][0],
                             b'2 1')
            got = self.esearch(imap, 'UID', 'SORT', 'RETURN', '(ALL RELEVANCY)', '(REVERSE RELEVANCY)', 'UTF-8',
                               'FUZZY', 'BODY', 'meetings')
            self.assertEqual(got, 'UID ALL 1:2 RELEVANCY (%d %d)' % (s1, s2))  # in ALL's (sort) order
        finally:
            imap.logout()

    def test_3_errors(self):
        imap = self.connect()
        try:
            for bad in [('SEARCH', 'FUZZY'), ('SEARCH', 'FUZZY', 'NOPE', 'x'), ('SEARCH', 'RETURN', '(RELEVANT)', 'ALL'),
                        ('SORT', '(RELEVANCE)', 'UTF-8', 'ALL')]:
                with self.assertRaises(imap.error, msg=str(bad)):
                    imap._simple_command(*bad)
        finally:
            imap.logout()

    def test_5_languages(self):
        # german added: "häuser" finds "haus"; an index made with english
        # stems only is not used for FUZZY; an unknown language stops loftd at start.
        self.server.stop()
        try:
            with open(self.server.config, 'w') as f:
                f.write(self.base_config + '\n[search]\nstem_languages = ["english", "german"]\n')
            self.server.start()
            imap = self.connect()
            try:
                imap.literal = 'h\u00e4user'.encode()  # sent as a literal after the other arguments
                self.assertEqual(imap.uid('SEARCH', 'CHARSET', 'UTF-8', 'FUZZY', 'BODY')[1][0], b'7 8')
                # "häusern" stems to "haus" in german only: the index holds
                # english stems, so it must not narrow this FUZZY key (its
                # grams and english stems would rule uid 8 out).
                self.assertEqual(imap.uid('SEARCH', 'FUZZY', 'BODY', 'haus')[1][0], b'7 8')
            finally:
                imap.logout()
            self.server.stop()
            with open(self.server.config, 'w') as f:
                f.write(self.base_config + '\n[search]\nstem_languages = ["klingon"]\n')
            with self.assertRaises(RuntimeError) as e:
                self.server.start()
            self.assertIn('klingon', str(e.exception))
        finally:
            if self.server.proc is not None and self.server.proc.poll() is None:
                self.server.stop()
            with open(self.server.config, 'w') as f:
                f.write(self.base_config)
            self.server.reset_addresses()
            self.server.start()

    def test_4_index_off_same_answers(self):
        indexed = self.answers()
        type(self).restart(index=False)
        try:
            self.assertEqual(self.answers(), indexed)
        finally:
            type(self).restart(index=True)


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""RFC 5182 SEARCHRES end to end: SEARCH / UID SEARCH / SORT RETURN (SAVE)
alone and with MIN, MAX, ALL and COUNT (§2.1: MIN or MAX alone save only
those), "$" in FETCH, STORE, COPY, MOVE, SEARCH, UID EXPUNGE and their UID
forms, the variable reset by SELECT / EXAMINE / CLOSE / UNSELECT, emptied by
a SEARCH SAVE answered NO and kept by one answered BAD, expunged messages
leaving it, and a pipeline of SEARCH SAVE and commands using "$" (§2.1).
Then the same script against a private Dovecot, answer for answer.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_searchres.py
"""

import imaplib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'searchres-secret'
N = 10
# Message i (1-based): body of 100 * ((i * 7) % 10) bytes, so sizes are not in UID order;
# FLAGGED: 2, 3, 5, 8; subject "odd" / "even".
FLAGGED = [2, 3, 5, 8]


def message(i):
    kind = 'odd' if i % 2 else 'even'
    return ('From: a@x.org\r\nTo: b@x.org\r\nSubject: %s %d\r\nMessage-ID: <%d@x>\r\n\r\n%s\r\n'
            % (kind, i, i, 'y' * (100 * ((i * 7) % 10)))).encode()


def size_order():
    """Sequence numbers by message size, ascending (sizes are distinct)."""
    return sorted(range(1, N + 1), key=lambda i: len(message(i)))


def fetched(untagged, item='UID'):
    """{seq: value of item} of "* n FETCH (... item v ...)" lines."""
    out = {}
    for line in untagged:
        m = re.match(rb'\* (\d+) FETCH \((.*)\)$', line)
        if m:
            v = re.search(item.encode() + rb' (\S+|\([^)]*\))', m.group(2))
            out[int(m.group(1))] = v.group(1).decode() if v else None
    return out


def search_numbers(untagged):
    for line in untagged:
        m = re.match(rb'\* SEARCH ?(.*)$', line)
        if m:
            return [int(x) for x in m.group(1).split()]
    return None


class SearchresTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        m = loftlib.imap_connect(cls.server.imap_implicit, 'implicit')
        m.login('alice', PASSWORD)
        m.create('Other')
        for i in range(1, N + 1):
            typ, data = m.append('INBOX', r'(\Flagged)' if i in FLAGGED else None, None, message(i))
            assert typ == 'OK', data
        m.logout()

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        cls.server.cleanup()
        assert rc == 0, rc

    def setUp(self):
        self.c = loftlib.RawImap(self.server, 'alice', PASSWORD)
        self.c.ok('SELECT INBOX')

    def tearDown(self):
        self.c.c.close()

    def saved_seqs(self):
        """The sequence numbers "$" stands for now (FETCH $)."""
        return sorted(fetched(self.c.ok('FETCH $ (UID)')))

    def test_capability(self):
        caps = b' '.join(self.c.ok('CAPABILITY'))
        self.assertIn(b' SEARCHRES', caps)

    def test_save_alone_sends_no_esearch(self):
        untagged = self.c.ok('SEARCH RETURN (SAVE) FLAGGED')
        self.assertEqual(untagged, [])
        self.assertEqual(self.saved_seqs(), FLAGGED)
        # Every command taking a set reads it: UID FETCH, SEARCH $, UID SEARCH UID $.
        self.assertEqual(sorted(int(v) for v in fetched(self.c.ok('UID FETCH $ (FLAGS)'), 'UID').values()), FLAGGED)
        self.assertEqual(search_numbers(self.c.ok('SEARCH $')), FLAGGED)
        self.assertEqual(search_numbers(self.c.ok('UID SEARCH UID $')), FLAGGED)
        self.assertEqual(search_numbers(self.c.ok('SEARCH NOT $')), [i for i in range(1, N + 1) if i not in FLAGGED])
        self.assertEqual(search_numbers(self.c.ok('SEARCH OR $ SUBJECT odd')), [1, 2, 3, 5, 7, 8, 9])

    def test_save_with_other_options(self):
        # §2.1: MIN or MAX without ALL or COUNT save just what they report.
        cases = [('MIN', [2]), ('MAX', [8]), ('MIN MAX', [2, 8]), ('MIN COUNT', FLAGGED),
                 ('ALL', FLAGGED), ('MAX ALL COUNT', FLAGGED), ('COUNT', FLAGGED)]
        for opts, saved in cases:
            with self.subTest(opts=opts):
                untagged = self.c.ok('SEARCH RETURN (SAVE %s) FLAGGED' % opts)
                self.assertEqual(len(untagged), 1, untagged)
                self.assertTrue(untagged[0].startswith(b'* ESEARCH (TAG '), untagged)
                self.assertNotIn(b'SAVE', untagged[0])
                self.assertEqual(self.saved_seqs(), saved)
        untagged = self.c.ok('SEARCH RETURN (MIN SAVE) SUBJECT nothing-matches')
        self.assertEqual(len(untagged), 1)  # ESEARCH with no data
        self.assertEqual(self.saved_seqs(), [])

    def test_uid_search_and_sort_save(self):
        self.c.ok('UID SEARCH RETURN (SAVE) SUBJECT even')
        self.assertEqual(self.saved_seqs(), [2, 4, 6, 8, 10])
        # ESORT: MIN and MAX are the first and last in sort order (RFC 5267 §3.2).
        by_size = size_order()
        self.c.ok('SORT RETURN (SAVE MIN) (SIZE) UTF-8 ALL')
        self.assertEqual(self.saved_seqs(), [by_size[0]])
        untagged = self.c.ok('UID SORT RETURN (SAVE MAX) (REVERSE SIZE) UTF-8 FLAGGED')
        smallest_flagged = [i for i in by_size if i in FLAGGED][0]
        self.assertEqual(untagged, [b'* ESEARCH (TAG "%s") UID MAX %d' % (self.c_tag().encode(), smallest_flagged)])
        self.assertEqual(self.saved_seqs(), [smallest_flagged])
        self.assertEqual(self.c.ok('SORT RETURN (SAVE) (SIZE) UTF-8 SUBJECT odd'), [])
        self.assertEqual(self.saved_seqs(), [1, 3, 5, 7, 9])
        # THREAD takes "$" in its program.
        untagged = self.c.ok('THREAD ORDEREDSUBJECT UTF-8 $')
        self.assertEqual(sorted(int(x) for x in re.findall(rb'\d+', untagged[0])), [1, 3, 5, 7, 9])

    def c_tag(self):
        return '%s%d' % (self.c.tag_prefix, self.c.n)

    def test_store_copy_move_expunge(self):
        self.c.ok('SEARCH RETURN (SAVE) 9:10')
        self.assertEqual(fetched(self.c.ok('STORE $ +FLAGS (\\Seen)'), 'FLAGS'),
                         {9: '(\\Seen)', 10: '(\\Seen)'})
        self.c.ok('UID STORE $ -FLAGS.SILENT (\\Seen)')
        self.assertEqual(search_numbers(self.c.ok('SEARCH SEEN')), [])
        self.c.ok('COPY $ Other')
        self.c.ok('UID COPY $ Other')
        other = loftlib.RawImap(self.server, 'alice', PASSWORD)
        try:
            other.ok('SELECT Other')
            self.assertEqual(search_numbers(other.ok('SEARCH ALL')), [1, 2, 3, 4])
            other.ok('SEARCH RETURN (SAVE) 1:3')
            other.ok('STORE $ +FLAGS.SILENT (\\Deleted)')
            untagged = other.ok('UID EXPUNGE $')
            self.assertEqual([u for u in untagged if u.endswith(b'EXPUNGE')], [b'* 1 EXPUNGE'] * 3)
            other.ok('SEARCH RETURN (SAVE) ALL')
            other.ok('MOVE $ INBOX')
            self.assertEqual(search_numbers(other.ok('SEARCH ALL')), [])
            other.ok('UID MOVE $ INBOX')  # the moved message left "$": nothing to move
        finally:
            other.c.close()
        self.c.ok('NOOP')
        self.assertEqual(search_numbers(self.c.ok('SEARCH SUBJECT "even 10"')), [10, 11])
        # Put the mailbox back as it was for the other tests.
        self.c.ok('SEARCH RETURN (SAVE) 11:*')
        self.c.ok('STORE $ +FLAGS.SILENT (\\Deleted)')
        self.c.ok('UID EXPUNGE $')
        self.assertEqual(search_numbers(self.c.ok('SEARCH ALL')), list(range(1, N + 1)))

    def test_reset_by_select_examine_close_unselect(self):
        for leave, back in (('SELECT INBOX', None), ('EXAMINE INBOX', None), ('UNSELECT', 'SELECT INBOX'),
                            ('CLOSE', 'SELECT INBOX'), ('SELECT Other', 'SELECT INBOX')):
            with self.subTest(leave=leave):
                self.c.ok('SEARCH RETURN (SAVE) 1:3')
                self.assertEqual(self.saved_seqs(), [1, 2, 3])
                self.c.ok(leave)
                if back:
                    self.c.ok(back)
                self.assertEqual(self.saved_seqs(), [])

    def test_failed_search(self):
        self.c.ok('SEARCH RETURN (SAVE) 1:2')
        # BAD leaves "$" as it was; a SEARCH without SAVE too (§2.1).
        self.assertEqual(self.c.cmd('SEARCH RETURN (SAVE) FOO')[0], 'BAD')
        self.assertEqual(self.c.cmd('SEARCH RETURN (SAVE) 1:*,$')[0], 'BAD')
        self.c.ok('SEARCH 5:6')
        self.c.ok('SEARCH RETURN (ALL) 7')
        self.assertEqual(self.saved_seqs(), [1, 2])
        # NO empties it (§2.1).
        status, line, _ = self.c.cmd('SEARCH RETURN (SAVE) CHARSET KOI8-R 3')
        self.assertEqual(status, 'NO', line)
        self.assertIn('[BADCHARSET', line)
        self.assertEqual(self.saved_seqs(), [])
        self.c.ok('SEARCH RETURN (SAVE) 1:2')
        self.assertEqual(self.c.cmd('SORT RETURN (SAVE) (SIZE) X-UNKNOWN ALL')[0], 'NO')
        self.assertEqual(self.saved_seqs(), [])

    def test_dollar_forms(self):
        # Before any SAVE "$" is empty: OK with nothing.
        self.assertEqual(self.c.ok('FETCH $ (UID)'), [])
        self.assertEqual(search_numbers(self.c.ok('SEARCH $')), [])
        for bad in ('FETCH $,1 (UID)', 'FETCH 1:$ (UID)', 'STORE $$ +FLAGS (\\Seen)', 'UID EXPUNGE $:*',
                    'COPY $1 Other', 'SEARCH UID $,4'):
            with self.subTest(bad=bad):
                self.assertEqual(self.c.cmd(bad)[0], 'BAD')
        # The program reads "$" as it was before this search saves.
        self.c.ok('SEARCH RETURN (SAVE) 1:6')
        self.c.ok('SEARCH RETURN (SAVE) $ FLAGGED')
        self.assertEqual(self.saved_seqs(), [2, 3, 5])

    def test_expunged_messages_leave_it(self):
        other = loftlib.RawImap(self.server, 'alice', PASSWORD)
        try:
            other.ok('SELECT INBOX')
            other.ok('APPEND INBOX {5+}\r\nx\r\n\r\n')
            self.c.ok('NOOP')
            self.c.ok('SEARCH RETURN (SAVE) 10:*')
            self.assertEqual(self.saved_seqs(), [10, 11])
            other.ok('STORE 11 +FLAGS.SILENT (\\Deleted)')
            other.ok('EXPUNGE')
            self.c.ok('NOOP')  # the EXPUNGE is reported; "$" loses the message
            self.assertEqual(self.saved_seqs(), [10])
        finally:
            other.c.close()

    def test_pipeline(self):
        # §2.1: a command using "$" after a SEARCH SAVE in the same pipeline sees its result.
        tags = ['p%d' % i for i in range(1, 7)]
        lines = ['SEARCH RETURN (SAVE) FLAGGED', 'FETCH $ (UID)', 'UID SEARCH RETURN (SAVE) 1:2',
                 'UID FETCH $ (UID)', 'SEARCH RETURN (SAVE MAX) ALL', 'FETCH $ (UID)']
        self.c.c.send(b''.join(b'%s %s\r\n' % (t.encode(), l.encode()) for t, l in zip(tags, lines)))
        replies = []
        for t in tags:
            line, got = self.c.c.read_until_tagged(t)
            self.assertTrue(line.startswith(t.encode() + b' OK'), line)
            replies.append(got[:-1])
        self.assertEqual(sorted(fetched(replies[1])), FLAGGED)
        self.assertEqual(sorted(fetched(replies[3])), [1, 2])
        self.assertEqual(sorted(fetched(replies[5])), [N])


class SearchresDovecotDiff(unittest.TestCase):
    """The same commands to loftd and Dovecot 2.3 (which offers SEARCHRES):
    every untagged answer and the tagged status must match."""

    SCRIPT = [
        'SELECT INBOX',
        'STORE 2,3,5,8 +FLAGS.SILENT (\\Flagged)',
        'SEARCH RETURN (SAVE) FLAGGED',
        'FETCH $ (UID FLAGS)',
        'UID FETCH $ (FLAGS)',
        'SEARCH $',
        'UID SEARCH UID $',
        'SEARCH RETURN (SAVE MIN) FLAGGED',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE MIN MAX) FLAGGED',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE MIN COUNT) FLAGGED',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE ALL) FLAGGED',
        'UID SEARCH RETURN (SAVE MAX) SUBJECT odd',
        'FETCH $ (UID)',
        'SORT RETURN (SAVE MIN) (SIZE) UTF-8 ALL',
        'FETCH $ (UID)',
        'SORT RETURN (SAVE) (SIZE) UTF-8 SUBJECT even',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE) $ NOT FLAGGED',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE) CHARSET X-NO-SUCH-CHARSET ALL',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE) 1,4',
        'STORE $ +FLAGS (\\Seen)',
        'COPY $ INBOX',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE) 1:2',
        'SEARCH RETURN (SAVE) NOSUCHKEY',
        'FETCH $ (UID)',
        'FETCH $,1 (UID)',
        'SEARCH RETURN (SAVE) 12:*',
        'STORE $ +FLAGS.SILENT (\\Deleted)',
        'UID EXPUNGE $',
        'FETCH $ (UID)',
        'UNSELECT',
        'SELECT INBOX',
        'FETCH $ (UID)',
        'SEARCH RETURN (SAVE) 1',
        'EXAMINE INBOX',
        'FETCH $ (UID)',
    ]

    @classmethod
    def setUpClass(cls):
        from test_dovecot_diff import SENDER, start_pair
        msgs = [('searchres/%d' % i, message(i)) for i in range(1, N + 1)]
        start_pair(cls, 'alice', PASSWORD, msgs, SENDER)

    @staticmethod
    def normal(untagged):
        out = []
        for r in untagged:
            r = r.rstrip(b'\r\n')
            if r.startswith(b'* OK') or r.startswith(b'* FLAGS') or r.startswith(b'* NO'):
                continue  # SELECT's resp-codes and server texts differ by design
            if re.match(rb'\* \d+ RECENT$', r):
                continue
            # Flag order and \Recent (which session gets it) are not what is compared.
            r = re.sub(rb'FLAGS \(([^)]*)\)', lambda m: b'FLAGS (%s)' % b' '.join(
                sorted(f for f in m.group(1).split() if f != b'\\Recent')), r)
            out.append(r)
        return out

    def test_same_answers(self):
        for cmd in self.SCRIPT:
            with self.subTest(cmd=cmd):
                lst, lu = self.lc.cmd(cmd)
                dst, du = self.dc.cmd(cmd)
                self.assertEqual(lst, dst, cmd)
                self.assertEqual(self.normal(lu), self.normal(du), cmd)


if __name__ == '__main__':
    unittest.main(verbosity=2)

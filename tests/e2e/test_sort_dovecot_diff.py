#!/usr/bin/env python3
"""Differential SORT / THREAD / ESEARCH test: loftd against a private Dovecot 2.3.

The corpus messages test_search_dovecot_diff.py uses are delivered over LMTP
in the same order to both (so sequence number n is UID n is the n-th corpus
message on both). Then SORT on every key, plain and REVERSE, THREAD with
ORDEREDSUBJECT, REFERENCES and REFS, and SEARCH RETURN (MIN MAX COUNT ALL)
go to both, and the answers are compared message by message: for SORT the
position of every message, for THREAD the parent and the thread of every
message and the order of the threads.

Allowed differences are named in KNOWN with the corpus messages they concern
and documented in docs/imap-differences.md ("SORT and THREAD"); the test fails
on an unnamed difference or when a named one no longer occurs.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl LOFT_CORPUS=../shared/corpus \\
        python3 tests/e2e/test_sort_dovecot_diff.py
"""

import datetime
import difflib
import email.utils
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_dovecot_diff import SENDER, start_pair  # noqa: E402
from test_search_dovecot_diff import pick_messages  # noqa: E402

USER, PASSWORD = 'alice', 'alice-secret'
KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO']

# Named differences: name -> corpus messages whose position or parent may differ.
KNOWN = {
    # Encoded words in a charset Dovecot does not decode (ks_c_5601-1987, an
    # undefined one) or with invalid bytes: the decoded text differs, so the
    # base subject or display name sorts elsewhere (and REFERENCES step 5
    # gathers by it).
    'CHARSET_DECODE': {'php-imap/messages/ks_c_5601-1987_headers.eml',
                       'php-imap/messages/undefined_charset_header.eml',
                       'ruby-mail/emails/error_emails/bad_encoded_subject.eml'},
    # A non-ASCII display name: Loft compares with i;ascii-casemap (RFC 5256
    # §3's default collation, UTF-8 bytes), Dovecot in decomposed Unicode
    # titlecase (presumed cause; see docs/imap-differences.md).
    'UNICODE_CASEMAP': {'ruby-mail/emails/multi_charset/japanese.eml'},
    # A To: field with broken syntax; the two address parsers repair it differently.
    'ADDRESS_PARSE': {'flanker/messages/mailformed-headers.eml'},
}


def sort_numbers(untagged):
    for r in untagged:
        m = re.match(rb'\* SORT ?(.*)\r\n$', r)
        if m:
            return [int(x) for x in m.group(1).split()]
    return None


def parse_threads(untagged):
    """(parent {n: parent or 0}, thread {n: the thread's first number}, [thread firsts in order])
    from "* THREAD"; a dummy parent counts as 0."""
    text = None
    for r in untagged:
        if r.startswith(b'* THREAD'):
            text = r[len(b'* THREAD'):].strip().decode()
    if text is None:
        return None
    parent, thread_of, order = {}, {}, []
    stack, first, pos = [], None, 0  # stack: the parent of each open list
    last = 0
    for tok in re.findall(r'\(|\)|\d+', text):
        if tok == '(':
            stack.append(last)
        elif tok == ')':
            last = stack.pop()
            if not stack:
                order.append(first)
                first, last = None, 0
        else:
            n = int(tok)
            parent[n] = last
            if first is None:
                first = n
            thread_of[n] = None
            last = n
    # the thread of each message: its first number in the response
    cur = None
    depth = 0
    for tok in re.findall(r'\(|\)|\d+', text):
        if tok == '(':
            depth += 1
        elif tok == ')':
            depth -= 1
            if depth == 0:
                cur = None
        else:
            if cur is None:
                cur = int(tok)
            thread_of[int(tok)] = cur
    return parent, thread_of, order


def displaced(a, b):
    """The elements of a that are not in a longest common run-matching of a and b."""
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    kept = set()
    for blk in sm.get_matching_blocks():
        kept |= set(a[blk.a:blk.a + blk.size])
    return [x for x in a if x not in kept]


class SortDiffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.msgs = pick_messages()
        loftlib.log('test_sort_dovecot_diff: %d messages' % len(cls.msgs))
        start_pair(cls, USER, PASSWORD, cls.msgs, SENDER)
        for c in (cls.lc, cls.dc):
            st, _ = c.cmd('SELECT INBOX')
            assert st == 'OK'

    def no_sent_date(self):
        """Messages whose sent date is their INTERNALDATE (RFC 5256 §2.2) on either
        server: delivery times differ, so their place in a date order does too."""
        out = set()
        for n, (_, raw) in enumerate(self.msgs, 1):
            m = re.search(rb'(?im)^date:(.*(?:\r?\n[ \t].*)*)', re.split(rb'\r?\n\r?\n', raw)[0])
            try:
                d = email.utils.parsedate_to_datetime(m.group(1).decode('latin-1').strip())
                if not 1970 <= d.year <= 2100:
                    out.add(n)
            except Exception:  # noqa: BLE001 - missing or unreadable
                out.add(n)
        return out

    def name(self, n):
        return self.msgs[n - 1][0] if 0 < n <= len(self.msgs) else str(n)

    def explain(self, what, files, seen):
        known = [k for k, v in KNOWN.items() if files <= v]
        if known:
            seen.add(known[0])
            return None
        return '%s: %s' % (what, sorted(files)[:8])

    def test_sort(self):
        diffs, seen = [], set()
        for key in KEYS:
            for rev in ('', 'REVERSE '):
                for verb in ('SORT', 'UID SORT'):
                    cmd = '%s (%s%s) UTF-8 ALL' % (verb, rev, key)
                    lst, lu = self.lc.cmd(cmd)
                    dst, du = self.dc.cmd(cmd)
                    self.assertEqual((lst, dst), ('OK', 'OK'), cmd)
                    lo, do = sort_numbers(lu), sort_numbers(du)
                    self.assertEqual(sorted(lo), sorted(do), cmd)
                    if key == 'DATE':
                        skip = self.no_sent_date()
                        lo = [n for n in lo if n not in skip]
                        do = [n for n in do if n not in skip]
                    if lo == do:
                        continue
                    if key == 'ARRIVAL':
                        # Delivery times differ between the servers: each order is
                        # checked against the server's own INTERNALDATE instead.
                        self.check_arrival(lo, rev, verb)
                        continue
                    # message by message: those out of place
                    files = {self.name(n) for n in displaced(lo, do)}
                    d = self.explain(cmd, files, seen)
                    if d:
                        diffs.append(d + ' first loft %s dovecot %s' % (lo[:10], do[:10]))
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs)))
        type(self).seen_known |= seen

    def check_arrival(self, order, rev, verb):
        st, untagged = self.lc.cmd('FETCH 1:* (UID INTERNALDATE)')
        dates = {}
        for r in untagged:
            m = re.search(rb'\* (\d+) FETCH .*INTERNALDATE "([^"]+)"', r)
            t = datetime.datetime.strptime(m.group(2).decode(), '%d-%b-%Y %H:%M:%S %z')
            dates[int(m.group(1))] = t.timestamp()
        keys = [(-dates[n] if rev else dates[n], n) for n in order]
        self.assertEqual(keys, sorted(keys), 'ARRIVAL order (ties in sequence order) %s' % verb)

    def test_thread(self):
        diffs, seen = [], set()
        for alg in ('ORDEREDSUBJECT', 'REFERENCES', 'REFS'):
            for verb in ('THREAD', 'UID THREAD'):
                cmd = '%s %s UTF-8 ALL' % (verb, alg)
                lst, lu = self.lc.cmd(cmd)
                dst, du = self.dc.cmd(cmd)
                self.assertEqual((lst, dst), ('OK', 'OK'), cmd)
                lp, lt, lorder = parse_threads(lu)
                dp, dt, dorder = parse_threads(du)
                self.assertEqual(set(lp), set(dp), cmd)
                # message by message: another parent or another thread, then threads out of place
                skip = self.no_sent_date()
                members = lambda t: {t[n] : {k for k in t if t[k] == t[n]} for n in t}  # noqa: E731
                lm, dm = members(lt), members(dt)
                # the messages that joined or left each message's thread (a
                # message that moved to another thread alone is blamed alone)
                files = set()
                for n in lp:
                    a, b = lm[lt[n]], dm[dt[n]]
                    files |= {self.name(k) for k in ((a ^ b) if len(a & b) > 1 else {n} if a != b else ())}
                # ORDEREDSUBJECT's parent is the oldest of the subject, so a
                # thread holding a message without a comparable date may differ there.
                files |= {self.name(n) for n in lp if lp[n] != dp[n] and not (
                    alg == 'ORDEREDSUBJECT' and lm[lt[n]] & skip)}
                lorder = [n for n in lorder if lt[n] not in skip]
                dorder = [n for n in dorder if dt[n] not in skip]
                files |= {self.name(n) for n in displaced(lorder, dorder)}
                if files:
                    d = self.explain(cmd, files, seen)
                    if d:
                        diffs.append(d + '\n  loft %s\n  dove %s' % (lu[0][:300], du[0][:300]))
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs)))
        type(self).seen_known |= seen

    seen_known = set()

    def test_zz_known_still_occur(self):
        """Runs last: every named difference was met (else remove it from KNOWN)."""
        self.assertEqual(set(KNOWN) - self.seen_known, set())


if __name__ == '__main__':
    loftlib.run_unittest('test_sort_dovecot_diff')

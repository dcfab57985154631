#!/usr/bin/env python3
"""Differential test of SEARCH's Unicode folding: loftd (NFKC_Casefold,
docs/search.md "Folding") against a private Dovecot 2.3 (RFC 5051
i;unicode-casemap: decomposed title case). Messages hold one interesting form
each (composed and decomposed accents, ß, ligatures, full-width letters, a
soft hyphen, Greek final sigma, Turkish dotted I, Kelvin sign, Hangul jamo);
every needle is searched in BODY and SUBJECT on both servers, and every
answer must be equal except the differences listed in EXPECTED_DIFFERENCES
(each explained in docs/imap-differences.md). A difference that is listed
but does not occur fails too, so the list stays true.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_fold_dovecot_diff.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_dovecot_diff import SENDER, start_pair  # noqa: E402

USER, PASSWORD = 'folder', 'fold-secret'

TEXTS = [
    'Caf\u00e9 cr\u00e8me',            # 1 composed
    'Cafe\u0301 cre\u0300me',          # 2 decomposed
    'Stra\u00dfe und Gru\u00df',       # 3 sharp s
    'STRASSE GRUSS',                   # 4
    '\ufb01le \ufb02ow',               # 5 ligatures fi, fl
    '\uff21\uff22\uff23 full width',   # 6 full-width ABC
    'Ver\u00adsicherung',              # 7 soft hyphen
    '\u03a3\u039f\u03a6\u039f\u03a3 \u03c3\u03bf\u03c6\u03bf\u03c2',  # 8 ΣΟΦΟΣ σοφος
    '\u0130stanbul',                   # 9 dotted capital I
    '\u212a kelvin',                   # 10 Kelvin sign
    '\u1100\u1161 jamo',               # 11 Hangul jamo (composes to 가)
    'plain ascii cafe strasse',        # 12
]

NEEDLES = ['caf\u00e9', 'cafe\u0301', 'CAF\u00c9', 'cafe', 'cr\u00e8me', 'stra\u00dfe', 'STRASSE', 'strasse',
           'gru\u00df', 'file', '\ufb01le', 'flow', 'abc', '\uff41\uff42\uff43', 'versicherung', 'ver\u00adsicherung',
           '\u03c3\u03bf\u03c6\u03bf\u03c2', '\u03a3\u039f\u03a6\u039f\u03a3', 'istanbul', '\u0130stanbul',
           'k kelvin', '\u212a', '\uac00', '\u1100\u1161']

# (key, needle) -> (loft answer, dovecot answer), each explained in docs/imap-differences.md
EXPECTED_DIFFERENCES = {
    # Full case folding: ß is ss (Dovecot's title case keeps ß).
    ('BODY', 'stra\u00dfe'): ([3, 4, 12], [3]), ('BODY', 'STRASSE'): ([3, 4, 12], [4, 12]),
    ('BODY', 'strasse'): ([3, 4, 12], [4, 12]), ('BODY', 'gru\u00df'): ([3, 4], [3]),
    # Accents stay: decomposed, Dovecot finds 'cafe' inside 'cafe' + U+0301.
    ('BODY', 'cafe'): ([12], [1, 2, 12]),
    # Compatibility forms and ignorables: ligatures are letters, a soft hyphen is nothing.
    ('BODY', 'file'): ([5], []), ('BODY', 'flow'): ([5], []), ('BODY', 'versicherung'): ([7], []),
    # Full case folding: ß is ss (Dovecot's title case keeps ß).
    ('SUBJECT', 'stra\u00dfe'): ([3, 4, 12], [3]), ('SUBJECT', 'STRASSE'): ([3, 4, 12], [4, 12]),
    ('SUBJECT', 'strasse'): ([3, 4, 12], [4, 12]), ('SUBJECT', 'gru\u00df'): ([3, 4], [3]),
    # Accents stay: decomposed, Dovecot finds 'cafe' inside 'cafe' + U+0301.
    ('SUBJECT', 'cafe'): ([12], [1, 2, 12]),
    # Compatibility forms and ignorables: ligatures are letters, a soft hyphen is nothing.
    ('SUBJECT', 'file'): ([5], []), ('SUBJECT', 'flow'): ([5], []), ('SUBJECT', 'versicherung'): ([7], []),
}


def message(i, text):
    return ('From: a@example.org\r\nTo: %s@example.org\r\nSubject: %s\r\nMessage-ID: <fold%d@example.org>\r\n'
            'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n'
            '\r\n%s\r\n' % (USER, text, i, text)).encode()


def numbers(untagged):
    out = set()
    for r in untagged:
        if r.startswith(b'* SEARCH'):
            out.update(int(x) for x in r.split()[2:])
    return out


class FoldDiffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        msgs = [('fold%d' % (i + 1), message(i + 1, t)) for i, t in enumerate(TEXTS)]
        start_pair(cls, USER, PASSWORD, msgs, SENDER)
        for c in (cls.lc, cls.dc):
            st, _ = c.cmd('SELECT INBOX')
            assert st == 'OK'

    def test_needles(self):
        found = {}
        for key in ('BODY', 'SUBJECT'):
            for needle in NEEDLES:
                answers = []
                for c in (self.lc, self.dc):
                    st, u = c.cmd('UID SEARCH CHARSET UTF-8 %s "%s"' % (key, needle))
                    self.assertEqual(st, 'OK', (key, needle))
                    answers.append(sorted(numbers(u)))
                if answers[0] != answers[1]:
                    found[(key, needle)] = tuple(answers)
        for k, v in sorted(found.items()):
            loftlib.log('fold diff: %s %r loft=%s dovecot=%s' % (k[0], k[1], v[0], v[1]))
        unexpected = {k: v for k, v in found.items() if EXPECTED_DIFFERENCES.get(k) != v}
        missing = {k: v for k, v in EXPECTED_DIFFERENCES.items() if k not in found}
        self.assertEqual(unexpected, {}, 'differences not in EXPECTED_DIFFERENCES')
        self.assertEqual(missing, {}, 'listed differences that no longer occur')


if __name__ == '__main__':
    loftlib.run_unittest('fold-dovecot-diff')

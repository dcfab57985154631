#!/usr/bin/env python3
"""Differential test of message structure: loftd against a private Dovecot 2.3.

Every single-message corpus file (up to MAX_BYTES, not starting with white
space, see test_dovecot_diff.py; NUL bytes included: both servers send them
as 0x80) is delivered over LMTP to both servers. Then, message by message, the answers to FETCH ENVELOPE, BODY,
BODYSTRUCTURE and, for every part number the structure has (up to MAX_PARTS
per message), BODY.PEEK[n], [n.MIME], [n.HEADER], [n.TEXT] (message/rfc822
parts), [n]<0.40> and [n.HEADER.FIELDS (...)] are compared.

Allowed differences: KNOWN below (docs/imap-differences.md), and the
Return-Path Dovecot's LMTP adds (RETURN_PATH in test_dovecot_diff.py), which
only BODY[1.MIME] of a single-part message shows.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_structure_diff.py
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_dovecot_diff import fetch, start_pair  # noqa: E402

USER, PASSWORD = 'alice', 'alice-secret'
MAX_BYTES = 300000

# Known differences, each explained in docs/imap-differences.md ("Message
# structure").
# test_99 fails if one of them stops differing.
KNOWN = {
    # A part header cut by a boundary (no blank line): Dovecot's HEADER.FIELDS of it has no CRLF.
    ('mail-parser/rfc/008.eml', 'BODY[2.HEADER.FIELDS (SUBJECT FROM)]'),
}


def known(rel, key):
    return (rel, '*') in KNOWN or (rel, key) in KNOWN
MAX_PARTS = 12


def pick():
    out = []
    for rel, raw in loftlib.load_corpus():
        if len(raw) > MAX_BYTES or raw[:1] in (b' ', b'\t'):
            continue
        out.append((rel, raw))
    return out


def part_numbers(bs, prefix=()):
    """Part numbers of a parsed BODYSTRUCTURE tuple, through nested multiparts."""
    nums = []
    i = 0
    while bs and i < len(bs) and isinstance(bs[i], tuple):
        p = prefix + (i + 1,)
        nums.append(p)
        nums += part_numbers(bs[i], p)
        i += 1
    return nums


class StructureDiffTest(unittest.TestCase):
    known_seen = set()
    @classmethod
    def setUpClass(cls):
        cls.msgs = pick()
        start_pair(cls, USER, PASSWORD, cls.msgs, 'sender@example.com')
        for c in (cls.lc, cls.dc):
            assert c.cmd('EXAMINE INBOX')[0] == 'OK'

    def both(self, cmd):
        return fetch(self.lc, cmd), fetch(self.dc, cmd)

    def compare(self, cmd, diffs, strip_key=None):
        (lst, lmap, _), (dst, dmap, _) = self.both(cmd)
        if lst != dst:
            diffs.append('%s: status %s / %s' % (cmd, lst, dst))
            return None
        for seq in dmap:
            lv = {k.upper(): v for k, v in lmap.get(seq, {}).items()}
            # RETURN_PATH (test_dovecot_diff.py): Dovecot's LMTP prepends it to
            # the message header, which BODY[1.MIME] of a single-part message is.
            dv = {k.upper(): (loftlib.DovecotServer.strip_added(v) if k.upper() == strip_key else v)
                  for k, v in dmap[seq].items()}
            rel = self.msgs[seq - 1][0]
            for k in set(lv) | set(dv):
                if lv.get(k) != dv.get(k) and known(rel, k):
                    type(self).known_seen.add(rel)
                    lv.pop(k, None)
                    dv.pop(k, None)
            if lv != dv:
                diffs.append('%s (%s):\n  loft:    %r\n  dovecot: %r' % (cmd, self.msgs[seq - 1][0],
                                                                      str(lv)[:300], str(dv)[:300]))
        return dmap

    def test_01_structure_items(self):
        diffs = []
        for seq in range(1, len(self.msgs) + 1):
            for item in ('ENVELOPE', 'BODY', 'BODYSTRUCTURE'):
                self.compare('FETCH %d %s' % (seq, item), diffs)
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs[:15])))

    def test_02_part_sections(self):
        diffs, checked = [], 0
        for seq in range(1, len(self.msgs) + 1):
            _, dmap, _ = fetch(self.dc, 'FETCH %d BODYSTRUCTURE' % seq)
            bs = dmap[seq]['BODYSTRUCTURE']
            nums = part_numbers(bs)[:MAX_PARTS]
            single = not nums
            for n in nums or [(1,)]:
                p = '.'.join(map(str, n))
                items = ['BODY.PEEK[%s]' % p, 'BODY.PEEK[%s.MIME]' % p, 'BODY.PEEK[%s]<0.40>' % p]
                self.compare('FETCH %d (%s)' % (seq, ' '.join(items)), diffs,
                             'BODY[1.MIME]' if single else None)
                checked += 1
        loftlib.log('test_structure_diff: %d part numbers compared' % checked)
        self.assertGreater(checked, 300)
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs[:15])))

    def test_03_encapsulated_messages(self):
        diffs, checked = [], 0
        for seq in range(1, len(self.msgs) + 1):
            _, dmap, _ = fetch(self.dc, 'FETCH %d BODYSTRUCTURE' % seq)
            bs = dmap[seq]['BODYSTRUCTURE']
            if not bs or not isinstance(bs[0], tuple):
                continue
            for i, part in enumerate(bs):
                if isinstance(part, tuple) and part and isinstance(part[0], bytes) and part[0].lower() == b'message' \
                        and part[1].lower() == b'rfc822':
                    p = str(i + 1)
                    items = ['BODY.PEEK[%s.HEADER]' % p, 'BODY.PEEK[%s.TEXT]' % p,
                             'BODY.PEEK[%s.HEADER.FIELDS (SUBJECT FROM)]' % p]
                    self.compare('FETCH %d (%s)' % (seq, ' '.join(items)), diffs)
                    checked += 1
        loftlib.log('test_structure_diff: %d message/rfc822 parts compared' % checked)
        self.assertGreater(checked, 5)
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs[:15])))

    def test_99_known_differences_still_occur(self):
        self.assertEqual(sorted({rel for rel, _ in KNOWN} - self.known_seen), [],
                         'these no longer differ: remove them from KNOWN and docs/imap-differences.md')


if __name__ == '__main__':
    loftlib.run_unittest('test_structure_diff')

#!/usr/bin/env python3
"""Differential test of FETCH BINARY (RFC 3516): loftd against a private Dovecot 2.3.

Corpus messages with a Content-Transfer-Encoding field (up to N_MESSAGES, each
up to MAX_BYTES, not starting with white space: see test_dovecot_diff.py) are
delivered to both servers (start_pair). For every leaf part of every message
(Dovecot's BODYSTRUCTURE, as in test_structure_diff.py, up to MAX_PARTS per
message), BINARY.PEEK[n] and BINARY.SIZE[n] are compared: the status, the
decoded bytes and the size. Loft's own literal8 rule is checked on its side:
"~{n}" exactly when the bytes hold a NUL.

Allowed differences, each counted under its name (docs/rfc-index.md, BINARY):
- SIBLING_UNKNOWN_CTE: Dovecot fails BINARY of every part of a message with
  NO [UNKNOWN-CTE] when any part has an encoding it cannot decode; Loft fails
  only the section that has one.
- DOVECOT_REFUSES_MALFORMED: Dovecot answers NO where its decoder rejects
  malformed base64 or quoted-printable; Loft decodes leniently (decode.h, as
  SEARCH does). Any other NO from Dovecot alone is also counted here.
- DOVECOT_SIZE_MISMATCH: Dovecot's BINARY.SIZE differs from the length of its
  own BINARY literal for some quoted-printable parts (§4.3 says it MUST match);
  the decoded bytes are equal and Loft's size matches them.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_binary_dovecot_diff.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_dovecot_diff import fetch, start_pair  # noqa: E402
from test_structure_diff import part_numbers  # noqa: E402

USER, PASSWORD = 'alice', 'alice-secret'
MAX_BYTES = 300000
N_MESSAGES = 200
MAX_PARTS = 12


def pick():
    out = []
    for rel, raw in loftlib.load_corpus():
        if len(raw) > MAX_BYTES or raw[:1] in (b' ', b'\t'):
            continue
        if b'content-transfer-encoding' not in raw.lower():
            continue
        out.append((rel, raw))
        if len(out) == N_MESSAGES:
            break
    return out


def leaf_parts(bs):
    """Part numbers of the leaves of a parsed BODYSTRUCTURE (not multipart, not message/rfc822)."""
    if not bs or not isinstance(bs[0], tuple):
        return [(1,)]
    out = []
    for n in part_numbers(bs):
        node = bs
        for i in n:
            node = node[i - 1]
        if isinstance(node[0], tuple):
            continue  # a multipart
        if isinstance(node[0], bytes) and node[0].lower() == b'message' and node[1].lower() == b'rfc822':
            continue
        out.append(n)
    return out


def binary_items(untagged, section):
    """(bytes, literal8) of BINARY[section] and the BINARY.SIZE[section] number in one response list."""
    data = size = None
    for r in untagged:
        m = re.search(rb'BINARY\[' + re.escape(section.encode()) + rb'\] (~?)\{(\d+)\}\r\n', r)
        if m:
            data = (r[m.end():m.end() + int(m.group(2))], m.group(1) == b'~')
        m = re.search(rb'BINARY\.SIZE\[' + re.escape(section.encode()) + rb'\] (\d+)', r)
        if m:
            size = int(m.group(1))
    return data, size


class BinaryDiffTest(unittest.TestCase):
    counted = {}

    @classmethod
    def setUpClass(cls):
        cls.msgs = pick()
        start_pair(cls, USER, PASSWORD, cls.msgs, 'sender@example.com')
        for c in (cls.lc, cls.dc):
            assert c.cmd('EXAMINE INBOX')[0] == 'OK'

    def reconnect_dovecot(self):
        from test_dovecot_diff import ImapRaw
        type(self).dc = ImapRaw(self.dove.imap_implicit)
        self.dc.login(USER, PASSWORD)
        assert self.dc.cmd('EXAMINE INBOX')[0] == 'OK'

    def test_01_leaf_parts(self):
        diffs, checked = [], 0
        for seq in range(1, len(self.msgs) + 1):
            _, dmap, _ = fetch(self.dc, 'FETCH %d BODYSTRUCTURE' % seq)
            leaves = leaf_parts(dmap[seq]['BODYSTRUCTURE'])[:MAX_PARTS]
            answers = []
            for n in leaves:
                p = '.'.join(map(str, n))
                cmd = 'FETCH %d (BINARY.PEEK[%s] BINARY.SIZE[%s])' % (seq, p, p)
                lans = self.lc.cmd(cmd)
                try:
                    dans = self.dc.cmd(cmd)
                except ConnectionError:
                    # DOVECOT_DISCONNECTS: Dovecot's imap process dies on some
                    # sections (its log says why); counted, and it is reconnected.
                    type(self).counted['DOVECOT_DISCONNECTS'] = self.counted.get('DOVECOT_DISCONNECTS', 0) + 1
                    loftlib.log('dovecot closed the connection on %s %s' % (self.msgs[seq - 1][0], cmd))
                    self.reconnect_dovecot()
                    continue
                answers.append((p, cmd, lans, dans))
            loft_unknown = any(l[0] == 'NO' for _, _, l, _ in answers)
            for p, cmd, (lst, lun), (dst, dun) in answers:
                rel = self.msgs[seq - 1][0]
                checked += 1
                if lst == 'OK':
                    (ldata, l8), lsize = binary_items(lun, p)
                    self.assertEqual(l8, b'\0' in ldata, '%s %s: literal8 rule' % (rel, cmd))
                    self.assertEqual(lsize, len(ldata), '%s %s: BINARY.SIZE' % (rel, cmd))
                if lst != dst:
                    if lst == 'OK' and dst == 'NO':
                        name = 'SIBLING_UNKNOWN_CTE' if loft_unknown else 'DOVECOT_REFUSES_MALFORMED'
                        type(self).counted[name] = self.counted.get(name, 0) + 1
                        continue
                    diffs.append('%s %s: status %s / %s' % (rel, cmd, lst, dst))
                    continue
                if lst != 'OK':
                    continue
                (ldata, _), lsize = binary_items(lun, p)
                (ddata, _), dsize = binary_items(dun, p)
                if ldata == ddata and lsize == len(ldata) and dsize != len(ddata):
                    name = 'DOVECOT_SIZE_MISMATCH'
                    type(self).counted[name] = self.counted.get(name, 0) + 1
                    continue
                if (ldata, lsize) != (ddata, dsize):
                    diffs.append('%s %s:\n  loft:    %d %r\n  dovecot: %d %r' % (
                        rel, cmd, lsize, ldata[:120], dsize, ddata[:120]))
        loftlib.log('test_binary_dovecot_diff: %d leaf parts of %d messages compared; allowed: %r'
                    % (checked, len(self.msgs), self.counted))
        self.assertGreater(checked, 200)
        self.assertEqual(diffs, [], '%d differences:\n%s' % (len(diffs), '\n'.join(diffs[:15])))


if __name__ == '__main__':
    loftlib.run_unittest('test_binary_dovecot_diff')

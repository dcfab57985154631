#!/usr/bin/env python3
"""UTF8=ACCEPT (RFC 6855): ENABLE UTF8=ACCEPT only before SELECT (§3); then
mailbox names go both ways as UTF-8 (quoted strings with 8-bit bytes) in
CREATE, LIST, LSUB, STATUS, SELECT, RENAME, DELETE, COPY and APPEND, while a
session that did not enable it keeps modified UTF-7 for the same mailboxes;
SEARCH with CHARSET is BAD after ENABLE and SORT/THREAD take only UTF-8
(§3, erratum 4029); APPEND takes the UTF8 (literal8) data item (§4).

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_utf8_accept.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'utf8-pw'
ETE = 'été'.encode()            # a name with non-ASCII letters
ETE_MUTF7 = b'&AOk-t&AOk-'
SUB = 'Über/Ordner'.encode()    # a hierarchy with a non-ASCII level
SUB_MUTF7 = b'&ANw-ber/Ordner'


def names(lines, verb=b'LIST'):
    """The mailbox names of LIST/LSUB lines, quoted or atom, as bytes."""
    out = []
    for line in lines:
        m = re.match(rb'\* ' + verb + rb' \([^)]*\) "/" (?:"((?:[^"\\]|\\.)*)"|(\S+))$', line.rstrip(b'\r\n'))
        if m:
            out.append(m.group(1) if m.group(1) is not None else m.group(2))
    return out


class Utf8AcceptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.server.start()
        cls.server.add_user('una', PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    def conn(self, utf8):
        c = loftlib.RawImap(self.server, 'una', PASSWORD)
        if utf8:
            lines = c.ok('ENABLE UTF8=ACCEPT')
            self.assertIn(b'* ENABLED UTF8=ACCEPT', [l.rstrip(b'\r\n') for l in lines])
        return c

    def test_capability(self):
        c = loftlib.RawImap(self.server, 'una', PASSWORD)
        caps = b' '.join(c.ok('CAPABILITY'))
        self.assertIn(b' UTF8=ACCEPT', caps)

    def test_names_round_trip_in_both_forms(self):
        u = self.conn(True)
        u.ok(b'CREATE "' + ETE + b'"')
        u.ok(b'CREATE "' + SUB + b'"')
        # The UTF-8 session sees UTF-8 quoted names.
        listed = names(u.ok('LIST "" *'))
        self.assertIn(ETE, listed)
        self.assertIn(SUB, listed)
        self.assertIn('Über'.encode(), listed)
        self.assertIn(b'"' + ETE + b'"', b' '.join(u.ok(b'LIST "" "' + ETE + b'"')))
        # A legacy session sees the same mailboxes in modified UTF-7 ...
        m = self.conn(False)
        listed = names(m.ok('LIST "" *'))
        self.assertIn(ETE_MUTF7, listed)
        self.assertIn(SUB_MUTF7, listed)
        self.assertNotIn(ETE, listed)
        # ... and names them that way.
        st = b' '.join(m.ok(b'STATUS ' + ETE_MUTF7 + b' (MESSAGES)'))
        self.assertIn(b'* STATUS ' + ETE_MUTF7 + b' (MESSAGES 0)', st)
        m.ok(b'SELECT ' + ETE_MUTF7)
        m.ok('CLOSE')
        # The legacy form is not a UTF-8 session's: "&AOk-t&AOk-" is a literal name there.
        status, _, _ = u.cmd(b'SELECT ' + ETE_MUTF7)
        self.assertEqual(status, 'NO')
        st = b' '.join(u.ok(b'STATUS "' + ETE + b'" (MESSAGES)'))
        self.assertIn(b'* STATUS "' + ETE + b'" (MESSAGES 0)', st)
        # A raw 8-bit name from a legacy session is not modified UTF-7.
        status, _, _ = m.cmd(b'SELECT "' + ETE + b'"')
        self.assertEqual(status, 'NO')
        # SUBSCRIBE / LSUB, RENAME, DELETE in UTF-8.
        u.ok(b'SUBSCRIBE "' + ETE + b'"')
        self.assertIn(ETE, names(u.ok('LSUB "" *'), b'LSUB'))
        self.assertIn(ETE_MUTF7, names(m.ok('LSUB "" *'), b'LSUB'))
        u.ok(b'RENAME "' + ETE + b'" "' + 'hiver ❄'.encode() + b'"')
        self.assertIn('hiver ❄'.encode(), names(u.ok('LIST "" *')))
        self.assertIn(b'"hiver &J0Q-"', b' '.join(m.ok('LIST "" "hiver*"')))
        u.ok(b'DELETE "' + 'hiver ❄'.encode() + b'"')
        self.assertNotIn('hiver ❄'.encode(), names(u.ok('LIST "" *')))
        # A name with a C1 control or U+2028 is refused (RFC 6855 §3).
        status, _, _ = u.cmd(b'CREATE "a\xc2\x85b"')
        self.assertEqual(status, 'NO')
        status, _, _ = u.cmd(b'CREATE "a\xe2\x80\xa8b"')
        self.assertEqual(status, 'NO')
        status, _, _ = u.cmd(b'CREATE "bad\xc3"')
        self.assertEqual(status, 'NO')

    def test_select_copy_append_with_utf8_names(self):
        u = self.conn(True)
        box = 'Entwürfe'.encode()
        u.ok(b'CREATE "' + box + b'"')
        msg = b'Subject: hi\r\nFrom: a@example.org\r\n\r\nbody\r\n'
        u.ok(b'APPEND "' + box + b'" {%d+}\r\n' % len(msg) + msg)
        u.ok(b'SELECT "' + box + b'"')
        u.ok(b'CREATE "' + 'Kopie-ü'.encode() + b'"')
        u.ok(b'COPY 1 "' + 'Kopie-ü'.encode() + b'"')
        st = b' '.join(u.ok(b'STATUS "' + 'Kopie-ü'.encode() + b'" (MESSAGES)'))
        self.assertIn(b'(MESSAGES 1)', st)

    def test_append_utf8_data_item(self):
        u = self.conn(True)
        u.ok(b'CREATE "appended-' + ETE + b'"')
        msg = 'From: jörg@exämple.org\r\nSubject: Grüße\r\n\r\nbody\r\n'.encode()
        u.ok(b'APPEND "appended-' + ETE + b'" (\\Seen) UTF8 (~{%d+}\r\n' % len(msg) + msg + b')')
        u.ok(b'SELECT "appended-' + ETE + b'"')
        # RawImap splits the literal at its line ends: compare without them.
        fetched = b''.join(l.rstrip(b'\r\n') for l in u.ok('FETCH 1 (FLAGS BODY.PEEK[])'))
        self.assertIn(b'BODY[] {%d}' % len(msg), fetched)
        self.assertIn(msg.replace(b'\r\n', b''), fetched)
        self.assertIn(b'\\Seen', fetched)
        # Without the closing parenthesis the APPEND is refused and nothing stored.
        status, _, _ = u.cmd(b'APPEND "appended-' + ETE + b'" UTF8 (~{%d+}\r\n' % len(msg) + msg)
        self.assertEqual(status, 'BAD')
        self.assertIn(b'(MESSAGES 1)', b' '.join(u.ok(b'STATUS "appended-' + ETE + b'" (MESSAGES)')))
        # A bare literal8 is a BINARY message (RFC 3516 §4.4): its continuation comes.
        u.c.send(b'bin APPEND INBOX ~{%d}\r\n' % len(msg))
        self.assertTrue(u.c.readline().startswith(b'+'))
        u.c.send(msg + b'\r\n')
        tagged, _ = u.c.read_until_tagged('bin')
        self.assertTrue(tagged.startswith(b'bin OK'), tagged)

    def test_enable_only_before_select(self):
        c = loftlib.RawImap(self.server, 'una', PASSWORD)
        c.ok('SELECT INBOX')
        # RFC 5161 §3.1 / RFC 6855 §3: ENABLE belongs to the authenticated state.
        status, _, _ = c.cmd('ENABLE UTF8=ACCEPT')
        self.assertEqual(status, 'BAD')
        # Names stay modified UTF-7 for this session.
        c.ok('CLOSE')
        c.ok(b'CREATE sel-' + ETE_MUTF7)
        self.assertIn(b'sel-' + ETE_MUTF7, names(c.ok('LIST "" sel-*')))

    def test_charset_rules(self):
        u = self.conn(True)
        u.ok('SELECT INBOX')
        status, _, _ = u.cmd('SEARCH CHARSET UTF-8 ALL')
        self.assertEqual(status, 'BAD')
        status, _, _ = u.cmd('SEARCH CHARSET US-ASCII ALL')
        self.assertEqual(status, 'BAD')
        u.ok(b'SEARCH SUBJECT "' + ETE + b'"')
        u.ok('SORT (ARRIVAL) UTF-8 ALL')
        status, _, _ = u.cmd('SORT (ARRIVAL) US-ASCII ALL')
        self.assertEqual(status, 'BAD')
        u.ok('THREAD REFERENCES UTF-8 ALL')
        status, _, _ = u.cmd('THREAD REFERENCES US-ASCII ALL')
        self.assertEqual(status, 'BAD')
        # Without ENABLE, the charset label is fine.
        m = self.conn(False)
        m.ok('SELECT INBOX')
        m.ok('SEARCH CHARSET UTF-8 ALL')
        m.ok('SORT (ARRIVAL) US-ASCII ALL')


if __name__ == '__main__':
    unittest.main()

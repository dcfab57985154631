#!/usr/bin/env python3
"""IMAP session behaviour end to end, beyond delivery and read-back:

- the store's change feed reaches a selected session: NOOP reports new
  messages (EXISTS), flags changed by another session (FETCH FLAGS) and
  messages removed by POP3 (EXPUNGE), in RFC 3501 order;
- AUTHENTICATE PLAIN with SASL-IR, with a "+" continuation, cancelled, bad;
- synchronising and non-synchronising (LITERAL+) literals in LOGIN;
- EXAMINE never sets \\Seen, BODY[] in SELECT does and reports FLAGS;
- sequence numbers above EXISTS are BAD, UIDs above UIDNEXT match nothing;
- commands in the wrong state are BAD, and pipelined commands are answered in order.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_imap_session.py
"""

import base64
import os
import poplib
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'pw with spaces'


def message(n):
    return b'Subject: message %d\r\nFrom: a@example.org\r\n\r\nBody %d\r\n' % (n, n)


class ImapSessionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer(extra_listeners=[('pop3', '127.0.0.1:0', 'implicit', False)])
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        cls.delivered = 0
        cls.deliver(3)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    @classmethod
    def deliver(cls, count):
        lmtp = loftlib.LMTPClient(cls.server.lmtp)
        try:
            for _ in range(count):
                cls.delivered += 1
                _, _, data = lmtp.transaction('a@example.org', ['alice@example.org'],
                                              loftlib.wire_data(message(cls.delivered))[0])
                assert [r[0] for r in data.values()] == [250], data
        finally:
            lmtp.close()

    def raw(self):
        """A logged-in raw IMAP connection over implicit TLS."""
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        self.assertTrue(c.readline().startswith(b'* OK'))
        c.send(b'L LOGIN alice "%s"\r\n' % PASSWORD.encode())
        tagged, _ = c.read_until_tagged('L')
        self.assertTrue(tagged.startswith(b'L OK'), tagged)
        return c

    def cmd(self, c, tag, line):
        c.send(('%s %s\r\n' % (tag, line)).encode())
        tagged, lines = c.read_until_tagged(tag)
        self.assertIsNotNone(tagged, 'connection closed after %s' % line)
        return tagged, lines[:-1]

    def test_1_noop_reports_new_mail_flag_changes_and_expunges(self):
        watcher = self.raw()
        tagged, untagged = self.cmd(watcher, 'S', 'SELECT INBOX')
        exists = int([l for l in untagged if l.endswith(b' EXISTS')][0].split()[1])
        tagged, untagged = self.cmd(watcher, 'N1', 'NOOP')
        self.assertEqual(untagged, [], 'nothing changed yet')

        self.deliver(2)  # new mail
        other = self.raw()
        self.cmd(other, 'S', 'SELECT INBOX')
        self.cmd(other, 'F', 'FETCH 1 BODY[TEXT]')  # sets \Seen on message 1
        other.close()
        tagged, untagged = self.cmd(watcher, 'N2', 'NOOP')
        self.assertTrue(tagged.startswith(b'N2 OK'))
        self.assertIn(b'* 1 FETCH (FLAGS (\\Seen))', untagged)
        self.assertIn(b'* %d EXISTS' % (exists + 2), untagged)

        # POP3 deletes message 2; the selected IMAP session hears EXPUNGE 2.
        host, port = loftlib.split_hostport(self.server.listener('pop3', 'implicit'))
        pop = poplib.POP3_SSL(host, port, context=loftlib.client_tls_context())
        pop.user('alice')
        pop.pass_(PASSWORD)
        pop.dele(2)
        pop.quit()
        tagged, untagged = self.cmd(watcher, 'N3', 'NOOP')
        self.assertEqual(untagged, [b'* 2 EXPUNGE'])
        tagged, untagged = self.cmd(watcher, 'U', 'UID FETCH 1:* (UID)')
        self.assertEqual(len(untagged), exists + 1)
        self.assertNotIn(b'UID 2)', b' '.join(untagged))
        watcher.close()

    def test_2_authenticate_plain(self):
        token = base64.b64encode(b'\0alice\0' + PASSWORD.encode())
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        c.readline()
        c.send(b'A1 AUTHENTICATE PLAIN ' + token + b'\r\n')  # RFC 4959 initial response
        tagged, _ = c.read_until_tagged('A1')
        self.assertTrue(tagged.startswith(b'A1 OK'), tagged)
        c.close()
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        c.readline()
        c.send(b'A2 AUTHENTICATE PLAIN\r\n')
        self.assertEqual(c.readline(), b'+ ')
        c.send(b'*\r\n')  # cancelled
        tagged, _ = c.read_until_tagged('A2')
        self.assertTrue(tagged.startswith(b'A2 BAD'), tagged)
        c.send(b'A3 AUTHENTICATE PLAIN\r\n')
        self.assertEqual(c.readline(), b'+ ')
        c.send(b'not base64!\r\n')
        tagged, _ = c.read_until_tagged('A3')
        self.assertTrue(tagged.startswith(b'A3 BAD'), tagged)
        c.send(b'A4 AUTHENTICATE PLAIN ' + base64.b64encode(b'\0alice\0wrong') + b'\r\n')
        tagged, _ = c.read_until_tagged('A4')
        self.assertTrue(tagged.startswith(b'A4 NO [AUTHENTICATIONFAILED]'), tagged)
        c.send(b'A5 AUTHENTICATE PLAIN ' + base64.b64encode(b'bob\0alice\0' + PASSWORD.encode()) + b'\r\n')
        tagged, _ = c.read_until_tagged('A5')
        self.assertTrue(tagged.startswith(b'A5 NO'), 'another authzid is refused: %r' % tagged)
        c.send(b'A6 AUTHENTICATE CRAM-MD5\r\n')
        tagged, _ = c.read_until_tagged('A6')
        self.assertTrue(tagged.startswith(b'A6 NO'), tagged)
        c.send(b'A7 AUTHENTICATE PLAIN\r\n')
        self.assertEqual(c.readline(), b'+ ')
        c.send(token + b'\r\n')
        tagged, _ = c.read_until_tagged('A7')
        self.assertTrue(tagged.startswith(b'A7 OK'), tagged)
        c.close()

    def test_2_authenticate_login(self):
        # draft-murchison-sasl-login: "Username:", then "Password:", each base64.
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        self.assertIn(b'AUTH=LOGIN', c.readline())
        c.send(b'L1 AUTHENTICATE LOGIN\r\n')
        self.assertEqual(c.readline(), b'+ VXNlcm5hbWU6')
        c.send(base64.b64encode(b'alice') + b'\r\n')
        self.assertEqual(c.readline(), b'+ UGFzc3dvcmQ6')
        c.send(base64.b64encode(b'wrong') + b'\r\n')
        tagged, _ = c.read_until_tagged('L1')
        self.assertTrue(tagged.startswith(b'L1 NO [AUTHENTICATIONFAILED]'), tagged)
        c.send(b'L2 AUTHENTICATE LOGIN\r\n')
        self.assertEqual(c.readline(), b'+ VXNlcm5hbWU6')
        c.send(b'*\r\n')  # cancelled
        tagged, _ = c.read_until_tagged('L2')
        self.assertTrue(tagged.startswith(b'L2 BAD'), tagged)
        c.send(b'L3 AUTHENTICATE LOGIN ' + base64.b64encode(b'alice') + b'\r\n')  # SASL-IR
        self.assertEqual(c.readline(), b'+ UGFzc3dvcmQ6')
        c.send(base64.b64encode(PASSWORD.encode()) + b'\r\n')
        tagged, _ = c.read_until_tagged('L3')
        self.assertTrue(tagged.startswith(b'L3 OK'), tagged)
        c.close()

    def test_3_literals_in_login(self):
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        c.readline()
        pw = PASSWORD.encode()
        c.send(b'L1 LOGIN {5}\r\n')
        self.assertTrue(c.readline().startswith(b'+'), 'a synchronising literal gets a continuation')
        c.send(b'alice {%d}\r\n' % len(pw))
        self.assertTrue(c.readline().startswith(b'+'))
        c.send(pw + b'\r\n')
        tagged, _ = c.read_until_tagged('L1')
        self.assertTrue(tagged.startswith(b'L1 OK'), tagged)
        c.close()
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        c.readline()
        c.send(b'L2 LOGIN {5+}\r\nalice {%d+}\r\n%s\r\n' % (len(pw), pw))  # RFC 7888: no continuation
        tagged, lines = c.read_until_tagged('L2')
        self.assertTrue(tagged.startswith(b'L2 OK'), tagged)
        self.assertFalse(any(l.startswith(b'+') for l in lines))
        c.close()

    def test_4_examine_never_sets_seen_and_select_does(self):
        c = self.raw()
        self.cmd(c, 'E', 'EXAMINE INBOX')
        tagged, untagged = self.cmd(c, 'F1', 'FETCH 3 (BODY[] FLAGS)')
        self.assertTrue(tagged.startswith(b'F1 OK'))
        self.assertIn(b'FLAGS ()', b' '.join(untagged))
        tagged, untagged = self.cmd(c, 'S', 'SELECT INBOX')
        self.assertTrue(tagged.startswith(b'S OK [READ-WRITE]'))
        tagged, untagged = self.cmd(c, 'F2', 'FETCH 3 (BODY[HEADER])')
        self.assertIn(b'FLAGS (\\Seen)', untagged[0], 'a newly set \\Seen is reported')
        tagged, untagged = self.cmd(c, 'F3', 'FETCH 3 (FLAGS)')
        self.assertEqual(untagged, [b'* 3 FETCH (FLAGS (\\Seen))'])
        c.close()

    def test_5_sets_and_states(self):
        c = loftlib.RawConn(self.server.imap_implicit, tls=True)
        c.readline()
        tagged, _ = self.cmd(c, 'B1', 'SELECT INBOX')
        self.assertTrue(tagged.startswith(b'B1 BAD'), 'SELECT before login: %r' % tagged)
        c.send(b'L LOGIN alice "%s"\r\n' % PASSWORD.encode())
        c.read_until_tagged('L')
        tagged, _ = self.cmd(c, 'B2', 'FETCH 1 FLAGS')
        self.assertTrue(tagged.startswith(b'B2 BAD'), 'FETCH before SELECT: %r' % tagged)
        _, untagged = self.cmd(c, 'S', 'SELECT INBOX')
        exists = int([l for l in untagged if l.endswith(b' EXISTS')][0].split()[1])
        tagged, _ = self.cmd(c, 'B3', 'FETCH %d FLAGS' % (exists + 1))
        self.assertTrue(tagged.startswith(b'B3 BAD'), 'a sequence number above EXISTS: %r' % tagged)
        tagged, untagged = self.cmd(c, 'U1', 'UID FETCH 999999 FLAGS')
        self.assertTrue(tagged.startswith(b'U1 OK') and untagged == [], 'no such UID: nothing, OK')
        tagged, untagged = self.cmd(c, 'U2', 'UID FETCH 999999:* (UID)')
        self.assertEqual(len(untagged), 1, '"N:*" matches the highest UID (RFC 3501 §6.4.8)')
        tagged, untagged = self.cmd(c, 'F', 'FETCH * (UID)')
        self.assertTrue(untagged[0].startswith(b'* %d FETCH' % exists))
        # Pipelined: every reply in order.
        c.send(b'P1 NOOP\r\nP2 FETCH 1 (UID)\r\nP3 CAPABILITY\r\nP4 NOOP\r\n')
        tags = []
        for _ in range(20):
            line = c.readline()
            if line[:2] in (b'P1', b'P2', b'P3', b'P4'):
                tags.append(line[:2])
            if line.startswith(b'P4 '):
                break
        self.assertEqual(tags, [b'P1', b'P2', b'P3', b'P4'])
        tagged, _ = self.cmd(c, 'X', 'LOGOUT')
        self.assertTrue(tagged.startswith(b'X OK'))
        self.assertTrue(c.at_eof(2.0), 'the server closes after LOGOUT')


if __name__ == '__main__':
    result = unittest.main(verbosity=2, exit=False).result
    print('imap session: %d run, %d failures, %d errors' % (result.testsRun, len(result.failures), len(result.errors)))
    sys.exit(0 if result.wasSuccessful() else 1)

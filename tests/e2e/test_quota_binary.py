#!/usr/bin/env python3
"""QUOTA (RFC 9208), STATUS=SIZE (RFC 8438), LIST-STATUS (RFC 5819) and
APPENDLIMIT (RFC 7889) end to end: every command form and its errors, the
limits `loftctl quota set` writes seen through GETQUOTA/GETQUOTAROOT,
SETQUOTA for the config's quota_admins only, and APPEND, COPY and MOVE over
a limit refused with NO [OVERQUOTA] with nothing stored.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_quota_binary.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'
MAX_MESSAGE = 1 << 20
MSG = (b'From: a@example.org\r\nTo: b@example.org\r\nSubject: quota %d\r\n\r\n'
       + b'x' * 1500 + b'\r\n')


def message(i):
    return MSG % i


class Imap(loftlib.RawImap):
    """A raw IMAP connection (loftlib.RawImap), logged in when user is given."""

    def __init__(self, server, user):
        super().__init__(server, user, PASSWORD, tag_prefix='q')

    def append(self, mailbox, body):
        """APPEND with a non-synchronizing literal (LITERAL+): (status, tagged line)."""
        status, line, _ = self.cmd(b'APPEND ' + mailbox.encode() + b' {%d+}\r\n' % len(body) + body)
        return status, line

    def close(self):
        self.c.close()


def status_items(lines):
    """{name: value} of the one * STATUS line among lines."""
    for l in lines:
        m = re.match(rb'^\* STATUS \S+ \((.*)\)$', l)
        if m:
            words = m.group(1).decode().split()
            return dict(zip(words[0::2], words[1::2]))
    raise AssertionError('no STATUS in %r' % lines)


class QuotaTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = loftlib.LoftServer(max_message_size=MAX_MESSAGE)
        with open(cls.srv.config) as f:
            text = f.read()
        # Top-level key: before the first [table].
        text = text.replace('hostname = "localhost"\n', 'hostname = "localhost"\nquota_admins = ["Boss"]\n', 1)
        with open(cls.srv.config, 'w') as f:
            f.write(text)
        cls.srv.start()
        for u in ('alice', 'bob', 'boss', 'carol', 'dave'):
            cls.srv.add_user(u, PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.cleanup()

    def quota_set(self, user, nbytes, messages):
        r = self.srv.ctl('quota', 'set', user, '--bytes', str(nbytes), '--messages', str(messages))
        self.assertEqual(r.returncode, 0, r.stderr)

    def quota_get(self, user):
        r = self.srv.ctl('quota', 'get', user)
        self.assertEqual(r.returncode, 0, r.stderr)
        w = r.stdout.split()
        return dict(zip(w[0::2], (int(x) for x in w[1::2])))

    def test_capabilities(self):
        m = Imap(self.srv, None)
        caps = m.ok('CAPABILITY')[0].decode().split()
        self.assertNotIn('QUOTA', caps)  # after login only
        m.ok('LOGIN alice %s' % PASSWORD)
        caps = m.ok('CAPABILITY')[0].decode().split()
        for c in ('QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE', 'QUOTASET', 'STATUS=SIZE',
                  'LIST-STATUS', 'LIST-EXTENDED', 'APPENDLIMIT=%d' % MAX_MESSAGE):
            self.assertIn(c, caps)
        m.close()

    def test_commands_need_login(self):
        m = Imap(self.srv, None)
        for c in ('GETQUOTA ""', 'GETQUOTAROOT INBOX', 'SETQUOTA "" (STORAGE 1)'):
            self.assertEqual(m.cmd(c)[0], 'BAD', c)
        m.close()

    def test_unlimited_account_has_no_root(self):
        m = Imap(self.srv, 'dave')
        self.assertEqual(m.ok('GETQUOTAROOT INBOX'), [b'* QUOTAROOT INBOX'])
        status, line, untagged = m.cmd('GETQUOTA ""')
        self.assertEqual(status, 'NO', line)
        self.assertIn('[NONEXISTENT]', line)
        self.assertEqual(untagged, [])
        m.close()

    def test_limits_from_loftctl_and_usage(self):
        self.quota_set('alice', 100 * 1024 + 1, 5)  # the STORAGE limit rounds down to 100
        m = Imap(self.srv, 'alice')
        self.assertEqual(m.ok('GETQUOTAROOT INBOX'),
                         [b'* QUOTAROOT INBOX ""', b'* QUOTA "" (STORAGE 0 100 MESSAGE 0 5)'])
        self.assertEqual(m.append('INBOX', message(1))[0], 'OK')
        self.assertEqual(m.append('Sent', message(2))[0], 'OK')
        used = 2 * len(message(1))
        kib = (used + 1023) // 1024  # RFC 9208 §5.1: units of 1024 octets, usage rounded up
        self.assertEqual(m.ok('GETQUOTA ""'), [b'* QUOTA "" (STORAGE %d 100 MESSAGE 2 5)' % kib])
        # Every mailbox shares the account's root.
        self.assertEqual(m.ok('GETQUOTAROOT Sent')[0], b'* QUOTAROOT Sent ""')
        # Errors: no such mailbox, a bad name, another account's root, syntax.
        status, line, untagged = m.cmd('GETQUOTAROOT Nope')
        self.assertEqual((status, untagged), ('NO', []))
        self.assertIn('[NONEXISTENT]', line)
        self.assertEqual(m.cmd('GETQUOTAROOT "a&"')[0], 'NO')
        status, line, _ = m.cmd('GETQUOTA bob')
        self.assertEqual(status, 'NO')
        self.assertIn('[NONEXISTENT]', line)
        self.assertEqual(m.cmd('GETQUOTA')[0], 'BAD')
        self.assertEqual(m.cmd('GETQUOTAROOT')[0], 'BAD')
        m.close()
        self.quota_set('alice', 0, 0)

    def test_setquota_is_for_admins(self):
        self.quota_set('bob', 0, 7)
        m = Imap(self.srv, 'bob')
        status, line, untagged = m.cmd('SETQUOTA "" (STORAGE 1000)')
        self.assertEqual((status, untagged), ('NO', []))
        self.assertIn('[NOPERM]', line)
        self.assertEqual(m.cmd('SETQUOTA bob (MESSAGE 1)')[0], 'NO')
        self.assertEqual(self.quota_get('bob')['message_limit'], 7)
        self.assertEqual(self.quota_get('bob')['byte_limit'], 0)
        self.assertEqual(m.cmd('SETQUOTA "" STORAGE 1')[0], 'BAD')
        m.close()

        a = Imap(self.srv, 'boss')
        # Its own root: the untagged QUOTA shows the new limits.
        self.assertEqual(a.ok('SETQUOTA "" (STORAGE 20 MESSAGE 9)'), [b'* QUOTA "" (STORAGE 0 20 MESSAGE 0 9)'])
        q = self.quota_get('boss')
        self.assertEqual((q['byte_limit'], q['message_limit']), (20 * 1024, 9))
        # Another account's root, by name; limits not given are dropped.
        self.assertEqual(a.ok('SETQUOTA bob (storage 50)'), [b'* QUOTA bob (STORAGE 0 50)'])
        q = self.quota_get('bob')
        self.assertEqual((q['byte_limit'], q['message_limit']), (50 * 1024, 0))
        self.assertEqual(a.ok('GETQUOTA bob'), [b'* QUOTA bob (STORAGE 0 50)'])
        # Refusals: unknown resource, a zero limit, an unknown root; nothing changes.
        for cmd, code in (('SETQUOTA bob (MAILBOX 3)', '[CANNOT]'), ('SETQUOTA bob (MESSAGE 0)', '[CANNOT]'),
                          ('SETQUOTA nobody (MESSAGE 3)', '[NONEXISTENT]'),
                          ('SETQUOTA bob (STORAGE 9223372036854775807)', '[LIMIT]')):
            status, line, untagged = a.cmd(cmd)
            self.assertEqual((status, untagged), ('NO', []), cmd)
            self.assertIn(code, line, cmd)
        self.assertEqual(a.cmd('SETQUOTA bob (STORAGE 1 STORAGE 2)')[0], 'BAD')
        self.assertEqual(self.quota_get('bob')['byte_limit'], 50 * 1024)
        # An empty list removes every limit: the root is gone.
        self.assertEqual(a.ok('SETQUOTA bob ()'), [])
        self.assertEqual(self.quota_get('bob')['byte_limit'], 0)
        self.assertEqual(a.cmd('GETQUOTA bob')[0], 'NO')
        a.ok('SETQUOTA "" ()')
        a.close()

    def test_over_quota_append_copy_move(self):
        self.quota_set('carol', 0, 3)
        m = Imap(self.srv, 'carol')
        for i in range(3):
            self.assertEqual(m.append('INBOX', message(i))[0], 'OK')
        status, line = m.append('INBOX', message(9))
        self.assertEqual(status, 'NO')
        self.assertIn('[OVERQUOTA]', line)
        m.ok('SELECT INBOX')
        for cmd in ('COPY 1 Archive', 'UID COPY 1:* Archive'):
            status, line, _ = m.cmd(cmd)
            self.assertEqual(status, 'NO', cmd + ' -> ' + line)
            self.assertIn('[OVERQUOTA]', line, cmd)
        self.assertEqual(status_items(m.ok('STATUS Archive (MESSAGES)'))['MESSAGES'], '0')
        self.assertEqual(status_items(m.ok('STATUS INBOX (MESSAGES)'))['MESSAGES'], '3')
        # Every mailbox of an account has the one root: a MOVE adds no usage
        # and is allowed at the limit (RFC 9208 §4.3 refuses only what exceeds it).
        m.ok('UID MOVE 1 Junk')
        self.assertEqual(self.quota_get('carol')['messages'], 3)
        self.assertEqual(status_items(m.ok('STATUS Junk (MESSAGES)'))['MESSAGES'], '1')
        # Below the limit again, COPY works.
        self.quota_set('carol', 0, 4)
        m.ok('COPY 1 Archive')
        self.assertEqual(status_items(m.ok('STATUS Archive (MESSAGES)'))['MESSAGES'], '1')
        m.close()
        self.quota_set('carol', 0, 0)

    def test_status_size_deleted_appendlimit(self):
        m = Imap(self.srv, 'dave')
        m.ok('CREATE Sizes')
        sizes = []
        for i in range(4):
            body = message(i) + b'y' * (i * 100)
            sizes.append(len(body))
            self.assertEqual(m.append('Sizes', body)[0], 'OK')
        st = status_items(m.ok('STATUS Sizes (SIZE MESSAGES DELETED DELETED-STORAGE APPENDLIMIT)'))
        self.assertEqual(st, {'SIZE': str(sum(sizes)), 'MESSAGES': '4', 'DELETED': '0',
                              'DELETED-STORAGE': '0', 'APPENDLIMIT': str(MAX_MESSAGE)})
        m.ok('SELECT Sizes')
        m.ok('STORE 2,4 +FLAGS.SILENT (\\Deleted)')
        st = status_items(m.ok('STATUS Sizes (DELETED-STORAGE DELETED SIZE)'))
        self.assertEqual(st, {'SIZE': str(sum(sizes)), 'DELETED': '2',
                              'DELETED-STORAGE': str(sizes[1] + sizes[3])})
        m.ok('EXPUNGE')
        st = status_items(m.ok('STATUS Sizes (SIZE DELETED)'))
        self.assertEqual(st, {'SIZE': str(sizes[0] + sizes[2]), 'DELETED': '0'})
        self.assertEqual(status_items(m.ok('STATUS Junk (SIZE)')), {'SIZE': '0'})
        # Errors.
        self.assertIn('[NONEXISTENT]', m.cmd('STATUS Nope (SIZE)')[1])
        self.assertEqual(m.cmd('STATUS Sizes (SIZE BOGUS)')[0], 'BAD')
        self.assertEqual(m.cmd('STATUS Sizes ()')[0], 'BAD')
        m.close()

    def test_list_status(self):
        m = Imap(self.srv, 'dave')
        m.ok('CREATE Ls')
        m.ok('CREATE Ls/Sub')
        for i in range(2):
            m.append('Ls', message(i))
        # Subscribed with no mailbox: listed \NonExistent, without STATUS.
        m.ok('CREATE Ls/Gone')
        m.ok('SUBSCRIBE Ls/Gone')
        m.ok('DELETE Ls/Gone')
        lines = m.ok('LIST "" "Ls*" RETURN (STATUS (MESSAGES SIZE UIDNEXT))')
        self.assertEqual(lines[0], b'* LIST () "/" Ls')
        self.assertEqual(lines[1], b'* STATUS Ls (MESSAGES 2 SIZE %d UIDNEXT 3)' % (2 * len(message(0))))
        self.assertEqual(lines[2], b'* LIST () "/" Ls/Sub')
        self.assertEqual(lines[3], b'* STATUS Ls/Sub (MESSAGES 0 SIZE 0 UIDNEXT 1)')
        self.assertEqual(len(lines), 4)
        lines = m.ok('LIST (SUBSCRIBED) "" "Ls/*" RETURN (STATUS (MESSAGES))')
        self.assertEqual(lines, [b'* LIST (\\NonExistent \\Subscribed) "/" Ls/Gone'])
        # The STATUS response follows its LIST line, for every pattern given.
        lines = m.ok('LIST "" (INBOX Ls) RETURN (CHILDREN STATUS (DELETED))')
        self.assertEqual([l.split(b' ')[1] for l in lines], [b'LIST', b'STATUS', b'LIST', b'STATUS'])
        self.assertEqual(m.cmd('LIST "" * RETURN (STATUS (NOPE))')[0], 'BAD')
        self.assertEqual(m.cmd('LIST "" * RETURN (STATUS ())')[0], 'BAD')
        m.close()


if __name__ == '__main__':
    loftlib.run_unittest('e2e-quota-binary')

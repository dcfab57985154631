#!/usr/bin/env python3
"""Differential test of the mailbox commands: loftd against a private Dovecot
2.3 (loftlib.DovecotServer, with a "/" namespace and the same special-use
mailboxes Loft gives a new account, all subscribed). The same hierarchy of
folders (nested levels, modified UTF-7 names, spaces, "&-", a level that is
no mailbox) and the same subscriptions are built on both, two messages are
delivered to INBOX and one is read; then every LIST and LSUB command below
(Dovecot has no XLIST) goes to both and the answers are compared as sets of
(attributes, name, extended data) lines; STATUS items are compared by value,
and failing commands by status and response code.

Allowed differences, each applied where it is needed:
- Building the hole: CREATE creates missing superiors on Loft (RFC 3501
  §6.3.3 SHOULD) and not on Dovecot, so on Loft the level "Hole" is deleted
  after "Hole/child" is created; the listing is then the same.
- CHILDINFO's tag: an atom from Dovecot, a quoted string from Loft (both are
  RFC 5258 astrings); compared without quotes.
- Response codes: Dovecot sends none for some failures (SUBSCRIBE or STATUS of
  a missing mailbox, an invalid modified UTF-7 name); Loft sends NONEXISTENT
  or CANNOT (RFC 5530). Compared only where Dovecot has one.
- CREATE name (USE (\\Unknown)): Dovecot creates the mailbox; Loft answers
  NO [USEATTR] as RFC 6154 §3 requires. Not compared (e2e-mailboxes tests it).
- RECENT: Loft keeps no \\Recent yet (STATUS RECENT is 0); not compared.
- UIDVALIDITY: differs by nature; not compared.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_mailbox_diff.py
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'diff-secret'

DOVECOT_NAMESPACE = r'''
namespace inbox {
  inbox = yes
  separator = /
  prefix =
  mailbox INBOX {
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
}
'''

FOLDERS = ['Work', 'Work/2024', 'Work/2024/Q1', 'Work/2025', 'Lists', 'Lists/dev', 'Lists/announce',
           '"Entw&APw-rfe"', '"Entw&APw-rfe/&ZeVnLIqe-"', 'INBOX/Sub', '"a b"', '"Tom &- Jerry"',
           'Hole/child', 'inboxes']
SUBSCRIBE = ['Work/2024/Q1', 'Lists/dev', '"a b"', 'Hole/child', '"Entw&APw-rfe/&ZeVnLIqe-"', 'Lists/announce']
# (Dovecot's "auto = subscribe" mailboxes cannot be unsubscribed, so none of those.)
UNSUBSCRIBE = ['Lists/announce']

COMMANDS = [
    'LIST "" "*"', 'LIST "" "%"', 'LIST "" "Work/%"', 'LIST "Work/" "%"', 'LIST "Work" "/*"',
    'LIST "" "%/%"', 'LIST "" "inbox"', 'LIST "" "INBOX*"', 'LIST "" "inbox*"', 'LIST "" "Inbox%"',
    'LIST "" "Inbox/%"', 'LIST "" ""',
    'LIST "Work/2024" ""', 'LIST "" "Hole*"', 'LIST "" "Hole/%"', 'LIST "" "Entw&APw-rfe/*"',
    'LIST "" "nothing*"', 'LIST "" "*2*"', 'LIST "" "%o%"',
    'LIST "" "*" RETURN (CHILDREN)', 'LIST "" "*" RETURN (SPECIAL-USE)', 'LIST "" "%" RETURN ()',
    'LIST (SPECIAL-USE) "" "*"', 'LIST (SPECIAL-USE) "" "*" RETURN (CHILDREN)',
    'LIST (SUBSCRIBED) "" "*"', 'LIST (SUBSCRIBED) "" "%"', 'LIST "" "*" RETURN (SUBSCRIBED)',
    'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"', 'LIST "" ("Work" "Lists/*")',
    'LSUB "" "*"', 'LSUB "" "%"', 'LSUB "" "Work/%"', 'LSUB "" "Work/2024/%"', 'LSUB "" "Lists/%"',
    'LSUB "" "Hole%"', 'LSUB "" "nothing"',
]
# Commands that fail (none changes anything): the status is compared, and the
# RFC 5530 code when Dovecot sends one (Loft always does), not the text.
FAILING = ['DELETE nothere', 'CREATE Work', 'CREATE inbox', 'RENAME nothere x', 'RENAME Lists Work',
           'SUBSCRIBE nothere', 'STATUS nothere (MESSAGES)', 'CREATE "&AGE-"', 'CREATE "a&AOk"',
           'DELETE "&2D0-"', 'STATUS Work (BOGUS)', 'LIST (BOGUS) "" "*"', 'LIST "" "*" RETURN (BOGUS)']
STATUS = ['INBOX', 'Work/2024', '"Entw&APw-rfe/&ZeVnLIqe-"', 'Drafts']
STATUS_ITEMS = 'MESSAGES UIDNEXT UNSEEN'

LINE = re.compile(rb'^\* (LIST|LSUB) \(([^)]*)\) (NIL|"[^"]*") ("(?:[^"\\]|\\.)*"|\S+)(.*)$')


def normalize(lines):
    """A set of comparable tuples from untagged LIST/LSUB lines."""
    out = set()
    for line in lines:
        m = LINE.match(line)
        assert m, line
        name = m.group(4)
        if name.startswith(b'"'):
            name = name[1:-1]
        attrs = frozenset(a.lower() for a in m.group(2).split())
        # RFC 5258 §6: the extended item's tag is an astring; Loft quotes it as
        # the RFC's examples do ("CHILDINFO"), Dovecot sends an atom.
        out.add((m.group(1), attrs, m.group(3), name, m.group(5).strip().replace(b'"', b'')))
    return out


class Session:
    def __init__(self, address, user):
        self.c = loftlib.RawConn(address, tls=True)
        self.n = 0
        assert self.c.readline().startswith(b'* OK')
        self.ok('LOGIN %s %s' % (user, PASSWORD))

    def cmd(self, text):
        self.n += 1
        tag = 'd%d' % self.n
        self.c.send(('%s %s\r\n' % (tag, text)).encode())
        line, lines = self.c.read_until_tagged(tag)
        assert line is not None, text
        self.last = line
        return line.split(b' ')[1], lines[:-1]

    def ok(self, text):
        status, lines = self.cmd(text)
        assert status == b'OK', (text, status, lines)
        return lines

    def close(self):
        self.c.close()


class MailboxDiffTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.loft = loftlib.LoftServer()
        cls.loft.start()
        cls.loft.add_user('alice', PASSWORD)
        cls.dove = loftlib.DovecotServer()
        with open(cls.dove.config, 'a') as f:
            f.write(DOVECOT_NAMESPACE)
        cls.dove.start()
        cls.dove.add_user('alice', PASSWORD)
        cls.sessions = {}
        for name, server in (('loft', cls.loft), ('dovecot', cls.dove)):
            lmtp = loftlib.LMTPClient(server.lmtp)
            try:
                for i in range(2):
                    body = b'Subject: diff %d\r\nFrom: a@example.org\r\n\r\nbody %d\r\n' % (i, i)
                    lmtp.transaction('a@example.org', ['alice@example.org'], loftlib.wire_data(body)[0])
            finally:
                lmtp.close()
            s = Session(server.imap_implicit, 'alice')
            s.ok('LIST "" "*"')  # Dovecot creates the auto mailboxes at first use
            for folder in FOLDERS:
                s.ok('CREATE %s' % folder)
            if name == 'loft':
                s.ok('DELETE Hole')  # see the module docstring
            for folder in SUBSCRIBE:
                s.ok('SUBSCRIBE %s' % folder)
            for folder in UNSUBSCRIBE:
                s.ok('UNSUBSCRIBE %s' % folder)
            s.ok('SELECT INBOX')
            s.ok('FETCH 1 BODY[TEXT]')  # sets \Seen on the first message
            s.ok('CLOSE' if name == 'dovecot' else 'NOOP')
            cls.sessions[name] = s

    @classmethod
    def tearDownClass(cls):
        for s in cls.sessions.values():
            s.close()
        cls.dove.stop()
        cls.dove.cleanup()
        cls.loft.stop()
        cls.loft.cleanup()

    def test_list_and_lsub_answers_match(self):
        compared = 0
        for text in COMMANDS:
            with self.subTest(command=text):
                loft = normalize(self.sessions['loft'].ok(text))
                dove = normalize(self.sessions['dovecot'].ok(text))
                self.assertEqual(loft, dove, '%s\n  loft only: %s\n  dovecot only: %s'
                                 % (text, sorted(loft - dove), sorted(dove - loft)))
                compared += len(dove)
        print('%d commands, %d answer lines compared' % (len(COMMANDS), compared), flush=True)

    def test_failures_match(self):
        code = re.compile(rb'^\S+ (OK|NO|BAD)(?: \[([A-Z-]+)[^\]]*\])?')
        for text in FAILING:
            with self.subTest(command=text):
                got = {}
                for server in ('loft', 'dovecot'):
                    self.sessions[server].cmd(text)
                    m = code.match(self.sessions[server].last)
                    got[server] = (m.group(1), m.group(2)) if m else self.sessions[server].last
                if got['dovecot'][1] is None:
                    got['loft'] = (got['loft'][0], None)
                self.assertEqual(got['loft'], got['dovecot'], '%s: %s' % (text, got))

    def test_status_answers_match(self):
        for name in STATUS:
            with self.subTest(mailbox=name):
                got = {}
                for server in ('loft', 'dovecot'):
                    lines = self.sessions[server].ok('STATUS %s (%s)' % (name, STATUS_ITEMS))
                    self.assertEqual(len(lines), 1)
                    inner = re.match(rb'^\* STATUS .* \((.*)\)$', lines[0]).group(1).split()
                    got[server] = {inner[i]: int(inner[i + 1]) for i in range(0, len(inner), 2)}
                self.assertEqual(got['loft'], got['dovecot'])


if __name__ == '__main__':
    loftlib.run_unittest('e2e-mailbox-diff')

#!/usr/bin/env python3
"""RFC 5465 NOTIFY end to end. One session asks for events; another session,
LMTP deliveries and its own commands change the account; the events must
arrive without the listening client sending a command:
- other mailboxes: STATUS for new, expunged and flag-changed messages (§5.1-
  §5.3), LIST for created, renamed (OLDNAME), deleted (\\NonExistent) mailboxes
  and for (un)subscriptions (§5.4, §5.5), METADATA for annotations (§5.6, §5.7),
  each only for the mailboxes its filter takes (PERSONAL, SUBTREE, MAILBOXES,
  SUBSCRIBED);
- the selected mailbox: EXISTS and MessageNew's FETCH (which must not set
  \\Seen), FETCH FLAGS with FlagChange, EXPUNGE at once under SELECTED and only
  with a command under SELECTED-DELAYED; nothing outside commands without a
  SELECTED group;
- SET STATUS, NOTIFY NONE, the BAD / NO [BADEVENT] / NO [LIMIT] refusals, and
  UNAUTHENTICATE dropping what the old account asked for.
The refusals and SET STATUS are compared with a private Dovecot's (whose
NOTIFY also exists); Dovecot's events come late and some not at all (its
watcher polls), so the event checks run against Loft alone.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_notify.py
"""

import os
import re
import shutil
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'notify-secret'
ALL_OTHER = ('MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange '
             'MailboxMetadataChange ServerMetadataChange')


def message(i, subject='note'):
    return ('From: a@x.org\r\nTo: n@example.org\r\nSubject: %s %d\r\nMessage-ID: <n%d@x>\r\n\r\nbody %d\r\n'
            % (subject, i, i, i)).encode()


def unsolicited(imap, pred, timeout=10.0, what='an event'):
    """Reads lines the server sends without a command until pred(line); returns
    that line and the ones before it. Fails after timeout."""
    seen = []
    deadline = time.time() + timeout
    sock = imap.c.sock
    while time.time() < deadline:
        sock.settimeout(max(0.05, deadline - time.time()))
        try:
            line = imap.c.readline()
        except (socket.timeout, TimeoutError):
            break
        seen.append(line)
        if pred(line):
            sock.settimeout(30)
            return line, seen
    sock.settimeout(30)
    raise AssertionError('no %s in %.0f s; got %d lines, the last %r' % (what, timeout, len(seen), seen[-3:]))


def quiet(imap, secs=1.0):
    """The lines that arrive within secs (none expected, usually)."""
    seen = []
    deadline = time.time() + secs
    while time.time() < deadline:
        imap.c.sock.settimeout(max(0.05, deadline - time.time()))
        try:
            seen.append(imap.c.readline())
        except (socket.timeout, TimeoutError):
            break
    imap.c.sock.settimeout(30)
    return [l for l in seen if l]


def starts(prefix):
    p = prefix.encode()
    return lambda line: line.startswith(p)


class NotifyLoft(loftlib.LoftTestCase):
    USERS = ('nina', 'otto')
    PASSWORD = PASSWORD

    def session(self, user='nina'):
        s = loftlib.RawImap(self.srv, user, PASSWORD)
        self.addCleanup(s.c.close)
        return s

    def deliver(self, i, user='nina', rcpt_detail=''):
        self.srv.deliver_all([message(i)], rcpt='%s%s@example.org' % (user, rcpt_detail))

    def test_capability_and_refusals(self):
        a = self.session()
        caps = a.ok('CAPABILITY')[0].split()
        self.assertIn(b'NOTIFY', caps)
        bad = ['NOTIFY', 'NOTIFY SET', 'NOTIFY FOO', 'NOTIFY SET (selected)', 'NOTIFY SET (bogus (MessageNew))',
               'NOTIFY SET (selected (MessageNew))', 'NOTIFY SET (selected (MessageExpunge))',
               'NOTIFY SET (selected (FlagChange))',
               'NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))',
               'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))',
               'NOTIFY SET (selected (MessageNew (BODY[]) MessageExpunge))',
               'NOTIFY SET (selected (MessageNew (NOSUCHITEM) MessageExpunge))',
               'NOTIFY SET (subtree (MessageNew))', 'NOTIFY SET (personal MessageNew)',
               'NOTIFY SET STATUS', 'NOTIFY NONE extra']
        for cmd in bad:
            status, line, _ = a.cmd(cmd)
            self.assertEqual(status, 'BAD', '%s -> %s' % (cmd, line))
        for cmd in ['NOTIFY SET (personal (Foo))', 'NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))']:
            status, line, _ = a.cmd(cmd)
            self.assertEqual(status, 'NO', line)
            self.assertIn('[BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange '
                          'MailboxMetadataChange ServerMetadataChange)]', line)
        many = ' '.join('m%d' % i for i in range(101))
        status, line, _ = a.cmd('NOTIFY SET (mailboxes (%s) (MessageNew))' % many)
        self.assertEqual(status, 'NO', line)
        self.assertIn('[LIMIT]', line)
        for cmd in ['NOTIFY NONE', 'NOTIFY SET (personal NONE)', 'NOTIFY SET (selected NONE)',
                    'notify set (selected-delayed (messagenew messageexpunge flagchange))',
                    'NOTIFY SET (subtree INBOX (MailboxName))',
                    'NOTIFY SET (mailboxes (INBOX "Foo Bar") (MessageNew MessageExpunge))',
                    'NOTIFY SET (selected (MessageNew (UID FLAGS BODY.PEEK[HEADER]) MessageExpunge)) (personal (%s))'
                    % ALL_OTHER]:
            status, line, _ = a.cmd(cmd)
            self.assertEqual(status, 'OK', '%s -> %s' % (cmd, line))
        # Not before login (RFC 5465 §8: command-auth).
        pre = loftlib.RawImap(self.srv)
        self.addCleanup(pre.c.close)
        status, line, _ = pre.cmd('NOTIFY NONE')
        self.assertEqual(status, 'BAD', line)

    def test_other_mailboxes(self):
        a, b = self.session(), self.session()
        b.ok('CREATE Before')
        a.ok('NOTIFY SET (personal (%s))' % ALL_OTHER)
        self.assertEqual(quiet(a, 0.3), [])
        b.ok('CREATE Fresh')
        unsolicited(a, lambda l: l == b'* LIST () "/" Fresh', what='LIST of a created mailbox')
        self.deliver(1)
        line, _ = unsolicited(a, starts('* STATUS INBOX'), what='STATUS of INBOX after a delivery')
        self.assertRegex(line, rb'^\* STATUS INBOX \(MESSAGES (\d+) UIDNEXT (\d+) UNSEEN (\d+)\)$')
        counts = re.match(rb'.*MESSAGES (\d+) UIDNEXT (\d+) UNSEEN (\d+)', line).groups()
        b.ok('SELECT INBOX')
        b.ok('UID STORE 1:* +FLAGS (\\Seen)')
        line, _ = unsolicited(a, starts('* STATUS INBOX'), what='STATUS after a flag change')
        self.assertEqual(line, b'* STATUS INBOX (UNSEEN 0)')
        # Each change by the other session, and the one event it must give.
        for command, event in [
                ('RENAME Fresh Renamed', b'* LIST () "/" Renamed ("OLDNAME" (Fresh))'),
                ('SUBSCRIBE Renamed', b'* LIST (\\Subscribed) "/" Renamed'),
                ('UNSUBSCRIBE Renamed', b'* LIST () "/" Renamed'),
                ('DELETE Renamed', b'* LIST (\\NonExistent) "/" Renamed'),
                ('SETMETADATA INBOX (/private/comment "hello")', b'* METADATA INBOX /private/comment'),
                ('SETMETADATA "" (/private/vendor/loft/x "1")', b'* METADATA "" /private/vendor/loft/x')]:
            b.ok(command)
            unsolicited(a, lambda l, e=event: l == e, what='%r after %s' % (event, command))
        b.ok('UID STORE 1:* +FLAGS (\\Deleted)')
        b.ok('EXPUNGE')
        line, _ = unsolicited(a, lambda l: l.startswith(b'* STATUS INBOX (MESSAGES'), what='STATUS after EXPUNGE')
        self.assertEqual(line, b'* STATUS INBOX (MESSAGES 0 UIDNEXT %d UNSEEN 0)' % int(counts[1]))
        # The session's own changes are events too (as in Dovecot).
        a.ok('CREATE Mine')
        a.ok('APPEND Mine {%d+}\r\n%s' % (len(message(2)), message(2).decode()))
        seen = quiet(a, 1.0) + a.ok('NOOP')
        self.assertTrue(any(l.startswith(b'* STATUS Mine (MESSAGES 1 UIDNEXT 2 UNSEEN 1)') for l in seen), seen)
        # NOTIFY NONE: nothing more.
        a.ok('NOTIFY NONE')
        b.ok('CREATE Silent')
        self.deliver(3)
        self.assertEqual(quiet(a, 1.0), [])
        self.assertEqual([l for l in a.ok('NOOP') if b'Silent' in l or b'STATUS' in l], [])

    def test_filters(self):
        a, b = self.session('otto'), self.session('otto')
        for m in ['Lists', 'Lists/rust', 'Work', 'Subbed']:
            b.ok('CREATE %s' % m)
        b.ok('SUBSCRIBE Subbed')
        b.ok('UNSUBSCRIBE INBOX')  # an account starts with its mailboxes subscribed
        a.ok('NOTIFY SET (mailboxes Lists (MessageNew MessageExpunge)) (subtree Work (MailboxName)) '
             '(subscribed (MessageNew MessageExpunge))')
        self.deliver(10, 'otto')  # INBOX: no group takes it
        b.ok('APPEND Lists/rust {%d+}\r\n%s' % (len(message(11)), message(11).decode()))  # below Lists: not MAILBOXES
        b.ok('CREATE Elsewhere')
        b.ok('CREATE Lists/go')  # MailboxName is asked for under Work only
        b.ok('APPEND Lists {%d+}\r\n%s' % (len(message(12)), message(12).decode()))
        line, before = unsolicited(a, starts('* STATUS'), what='STATUS of Lists')
        self.assertEqual(line, b'* STATUS Lists (MESSAGES 1 UIDNEXT 2 UNSEEN 1)')
        self.assertEqual([l for l in before if l], [line])
        b.ok('CREATE Work/a')
        unsolicited(a, lambda l: l == b'* LIST () "/" Work/a', what='LIST under the subtree')
        b.ok('APPEND Subbed {%d+}\r\n%s' % (len(message(13)), message(13).decode()))
        line, before = unsolicited(a, starts('* STATUS'), what='STATUS of a subscribed mailbox')
        self.assertEqual(line, b'* STATUS Subbed (MESSAGES 1 UIDNEXT 2 UNSEEN 1)')
        self.assertEqual([l for l in before if l], [line])
        self.assertEqual(quiet(a, 0.5), [])

    def test_selected_immediate(self):
        a, b = self.session(), self.session()
        b.ok('CREATE Box')
        for i in range(3):
            b.ok('APPEND Box {%d+}\r\n%s' % (len(message(20 + i)), message(20 + i).decode()))
        a.ok('SELECT Box')
        a.ok('NOTIFY SET (selected (MessageNew (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge '
             'FlagChange))')
        b.ok('APPEND Box {%d+}\r\n%s' % (len(message(30, 'pushed')), message(30, 'pushed').decode()))
        unsolicited(a, lambda l: l == b'* 4 EXISTS', what='EXISTS')
        line, _ = unsolicited(a, starts('* 4 FETCH'), what="MessageNew's FETCH")
        self.assertIn(b'UID 4', line)
        self.assertIn(b'BODY[HEADER.FIELDS (SUBJECT)]', line)
        unsolicited(a, lambda l: l.startswith(b'Subject: pushed 30'), what='the fetched header')
        b.ok('SELECT Box')
        b.ok('UID STORE 2 +FLAGS (\\Flagged)')
        line, _ = unsolicited(a, starts('* 2 FETCH'), what='FETCH FLAGS')
        self.assertIn(b'\\Flagged', line)
        b.ok('UID STORE 1 +FLAGS (\\Deleted)')
        b.ok('EXPUNGE')
        unsolicited(a, lambda l: l == b'* 1 EXPUNGE', what='EXPUNGE at once under SELECTED')
        # The notification's FETCH did not set \Seen.
        lines = a.ok('UID FETCH 4 (FLAGS)')
        self.assertTrue(lines and b'\\Seen' not in lines[0], lines)
        self.assertEqual(quiet(a, 0.5), [])

    def test_selected_delayed_and_none(self):
        a, b = self.session('otto'), self.session('otto')
        b.ok('CREATE Delay')
        b.ok('APPEND Delay {%d+}\r\n%s' % (len(message(40)), message(40).decode()))
        a.ok('SELECT Delay')
        a.ok('NOTIFY SET (selected-delayed (MessageNew MessageExpunge))')
        b.ok('SELECT Delay')
        b.ok('UID STORE 1 +FLAGS (\\Deleted)')
        b.ok('EXPUNGE')
        b.ok('APPEND Delay {%d+}\r\n%s' % (len(message(41)), message(41).decode()))
        unsolicited(a, lambda l: l == b'* 2 EXISTS', what='EXISTS under SELECTED-DELAYED')
        # The expunge waits for a command (the RECENT of the new message may follow its EXISTS).
        self.assertEqual([l for l in quiet(a, 0.7) if not l.endswith(b' RECENT')], [])
        self.assertIn(b'* 1 EXPUNGE', a.ok('NOOP'))
        # No SELECTED group: nothing about the selected mailbox outside commands,
        # and no STATUS for it either.
        a.ok('NOTIFY SET (personal (MessageNew MessageExpunge))')
        b.ok('APPEND Delay {%d+}\r\n%s' % (len(message(42)), message(42).decode()))
        self.assertEqual(quiet(a, 1.0), [])
        self.assertIn(b'* 2 EXISTS', a.ok('NOOP'))

    def test_set_status(self):
        a, b = self.session('otto'), self.session('otto')
        b.ok('CREATE St1')
        b.ok('APPEND St1 (\\Seen) {%d+}\r\n%s' % (len(message(50)), message(50).decode()))
        a.ok('SELECT INBOX')
        lines = a.ok('NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (mailboxes (St1 INBOX) (MessageNew MessageExpunge))')
        st = [l for l in lines if l.startswith(b'* STATUS')]
        self.assertEqual(len(st), 1, lines)  # not the selected INBOX
        self.assertRegex(st[0], rb'^\* STATUS St1 \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0\)$')

    def test_overflow_when_the_client_does_not_read(self):
        # A listener that reads nothing: its events wait in a bounded queue,
        # then it is told NOTIFICATIONOVERFLOW and hears nothing more (§4),
        # instead of the server buffering every event.
        b = self.session('otto')
        # A receive window of a few KiB, set before connecting (after, the
        # kernel may already have offered more): the server's socket buffer
        # (at most 4 MiB) then fills, and its own queues must hold the rest.
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.settimeout(30)
        raw.connect(loftlib.split_hostport(self.srv.imap_implicit))
        a = loftlib.RawImap.__new__(loftlib.RawImap)
        a.c = loftlib.RawConn.__new__(loftlib.RawConn)
        a.c.sock, a.c.buf = loftlib.client_tls_context().wrap_socket(raw), b''
        a.n, a.tag_prefix = 0, 'o'
        self.addCleanup(a.c.close)
        self.assertTrue(a.c.readline().startswith(b'* OK'))
        a.ok('LOGIN otto %s' % PASSWORD)
        a.ok('NOTIFY SET (personal (MailboxMetadataChange))')
        # Deleting entries that do not exist stores nothing but is an event:
        # about 21 KB of METADATA line per command, 8 MB in all.
        entries = ' '.join('/private/vendor/loft/%s%03d NIL' % ('n' * 180, i) for i in range(100))
        sent = 400
        for _ in range(sent):
            b.ok('SETMETADATA INBOX (%s)' % entries)
        line, seen = unsolicited(a, lambda l: b'[NOTIFICATIONOVERFLOW]' in l, timeout=60,
                                 what='NOTIFICATIONOVERFLOW')
        told = sum(1 for l in seen if l.startswith(b'* METADATA INBOX'))
        self.assertLess(told, sent)
        self.assertTrue(line.startswith(b'* OK [NOTIFICATIONOVERFLOW]'), line)
        b.ok('SETMETADATA INBOX (/private/vendor/loft/after NIL)')
        self.assertEqual(quiet(a, 1.0), [])
        self.assertEqual(a.ok('NOOP'), [])

    def test_unauthenticate_drops_notify(self):
        a, b = self.session(), self.session()
        a.ok('NOTIFY SET (personal (MailboxName))')
        a.ok('UNAUTHENTICATE')
        a.ok('LOGIN otto %s' % PASSWORD)
        b.ok('CREATE SecretOfNina')
        self.assertEqual(quiet(a, 1.0), [])
        self.assertEqual(a.ok('NOOP'), [])


class NotifyDovecotDiff(unittest.TestCase):
    """The same NOTIFY commands answered alike by Loft and Dovecot 2.3."""

    @unittest.skipUnless(shutil.which('dovecot') or os.path.exists('/usr/sbin/dovecot'), 'dovecot not installed')
    def test_answers_like_dovecot(self):
        loft, dove = loftlib.start_loft_and_dovecot(self)
        sessions = []
        for srv in (loft, dove):
            srv.add_user('dora', PASSWORD)
            s = loftlib.RawImap(srv, 'dora', PASSWORD)
            self.addCleanup(s.c.close)
            for m in ['Other', 'Lists', 'Lists/x']:
                s.ok('CREATE %s' % m)
            s.ok('APPEND Lists (\\Seen) {%d+}\r\n%s' % (len(message(60)), message(60).decode()))
            s.ok('APPEND Other {%d+}\r\n%s' % (len(message(61)), message(61).decode()))
            s.ok('SELECT INBOX')
            sessions.append(s)
        # Loft answers NO [BADEVENT] where Dovecot answers BAD for an unknown event
        # (RFC 5465 §3 asks for BADEVENT); both refuse it.
        commands = ['NOTIFY NONE', 'NOTIFY SET (selected (MessageNew))', 'NOTIFY SET (selected (FlagChange))',
                    'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))',
                    'NOTIFY SET (selected (MessageNew MessageExpunge)) (selected (MessageNew MessageExpunge))',
                    'NOTIFY SET (inboxes (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))',
                    'NOTIFY SET (selected-delayed (MessageNew (UID FLAGS) MessageExpunge FlagChange))',
                    'NOTIFY SET (subtree Lists (MailboxName)) (mailboxes Other (MessageNew MessageExpunge))',
                    'NOTIFY SET (personal NONE)', 'NOTIFY BOGUS']
        for cmd in commands:
            got = [s.cmd(cmd)[0] for s in sessions]
            self.assertEqual(got[0], got[1], cmd)
        # SET STATUS: the same STATUS lines (UIDVALIDITY differs by nature).
        cmd = ('NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) '
               '(personal (MessageNew MessageExpunge MailboxName))')
        answers = []
        for s in sessions:
            lines = s.ok(cmd)
            # Loft's accounts start with the special-use mailboxes too: compared on the test's own.
            answers.append(sorted(re.sub(rb'UIDVALIDITY \d+', b'UIDVALIDITY v', l) for l in lines
                                  if re.match(rb'\* STATUS (Other|Lists|Lists/x|INBOX) ', l)))
        self.assertEqual(answers[0], answers[1])
        self.assertEqual(len(answers[0]), 3, answers[0])


if __name__ == '__main__':
    unittest.main(verbosity=2)

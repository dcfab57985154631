#!/usr/bin/env python3
"""neomutt, driven through tmux like a person at a terminal, against the server under
test (E2E_SERVER, see loftlib.make_server).

The account holds INBOX (Alpha, Beta, Gamma, Delta), Projects (one message) and an
empty Archive, seeded with imaplib. neomutt connects over implicit TLS (the server's
certificate pinned in certificate_file), and the test types: the folder browser
(`c`, `?`, Tab: Projects and Archive are listed), opens Beta in the pager (its body
shows), flags it (`F`), saves it to Archive (`s`, with delete = yes it leaves INBOX),
deletes Gamma (`d`), syncs (`$`) and quits. imaplib then checks the server: INBOX
holds Alpha and Delta unchanged, Archive holds Beta flagged and seen with its bytes
intact, Projects is untouched. Each screen wait is bounded; on a failure the last
screen is printed.

    E2E_SERVER=dovecot python3 tests/e2e/test_neomutt.py
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
import mailstate  # noqa: E402

USER, PASSWORD = 'nina', 'nina-secret'
SCREEN_TIMEOUT = 30


def message(subject, body):
    return ('From: Writer <writer@example.com>\r\nTo: nina@example.org\r\n'
            'Subject: %s\r\nDate: Tue, 3 Nov 2026 09:00:00 +0000\r\n'
            'Message-ID: <%s@example.com>\r\nContent-Type: text/plain; charset=us-ascii\r\n'
            '\r\n%s\r\n' % (subject, subject.split()[0].lower(), body)).encode()


INBOX = [('Alpha message', 'first body'), ('Beta message', 'BETA-BODY-7261 is here'),
         ('Gamma message', 'third body'), ('Delta message', 'fourth body')]


class Tmux:
    """A detached tmux session of its own (private socket) running one program."""

    def __init__(self, workdir, command, env):
        self.sock = os.path.join(workdir, 'tmux.sock')
        self.name = 'neomutt'
        subprocess.run(['tmux', '-S', self.sock, 'new-session', '-d', '-s', self.name,
                        '-x', '160', '-y', '45', command], check=True, env=env, timeout=30)

    def keys(self, *keys, literal=False):
        cmd = ['tmux', '-S', self.sock, 'send-keys', '-t', self.name]
        subprocess.run(cmd + (['-l'] if literal else []) + list(keys), check=True, timeout=30)

    def type(self, text):
        self.keys(text, literal=True)

    def screen(self):
        r = subprocess.run(['tmux', '-S', self.sock, 'capture-pane', '-p', '-t', self.name],
                           capture_output=True, text=True, timeout=30)
        return r.stdout

    def wait(self, *texts, absent=(), timeout=SCREEN_TIMEOUT):
        """Waits until every text is on the screen and none of `absent` is."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.screen()
            if all(t in s for t in texts) and not any(a in s for a in absent):
                return s
            if time.monotonic() > deadline:
                raise AssertionError('screen lacks %r (or shows %r) after %ds:\n%s'
                                     % (texts, absent, timeout, s))
            time.sleep(0.1)

    def alive(self):
        return subprocess.run(['tmux', '-S', self.sock, 'has-session', '-t', self.name],
                              capture_output=True, timeout=30).returncode == 0

    def kill(self):
        subprocess.run(['tmux', '-S', self.sock, 'kill-server'], capture_output=True,
                       timeout=30)


class NeomuttTest(unittest.TestCase):

    def setUp(self):
        missing = [b for b in ('neomutt', 'tmux') if shutil.which(b) is None]
        if missing:
            msg = 'missing %s (tools/dev.sh test installs it)' % ', '.join(missing)
            if os.environ.get('CI'):
                self.fail(msg)
            self.skipTest(msg)
        self.work = tempfile.mkdtemp(prefix='loft-neomutt-')
        self.server = loftlib.make_server()
        self.server.start()
        self.server.add_user(USER, PASSWORD)
        self.tmux = None

    def tearDown(self):
        if self.tmux:
            self.tmux.kill()
        self.server.stop()
        self.server.cleanup()
        shutil.rmtree(self.work, ignore_errors=True)

    def seed(self):
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        for folder in ('Projects', 'Archive'):
            typ, data = m.create(folder)
            # A new Loft account already has Archive (RFC 6154 special use).
            self.assertTrue(typ == 'OK' or b'ALREADYEXISTS' in data[0], (folder, data))
        for subject, body in INBOX:
            self.assertEqual(m.append('INBOX', '()', None, message(subject, body))[0], 'OK')
        self.assertEqual(m.append('Projects', '(\\Seen)', None,
                                  message('Project plan', 'plan body'))[0], 'OK')
        m.logout()

    def muttrc(self):
        cert = mailstate.server_cert_pem(self.server.imap_implicit,
                                         os.path.join(self.work, 'certs'))
        port = loftlib.split_hostport(self.server.imap_implicit)[1]
        path = os.path.join(self.work, 'muttrc')
        with open(path, 'w') as f:
            f.write('''set folder = "imaps://{user}@localhost:{port}/"
set imap_pass = "{password}"
set spoolfile = "+INBOX"
set certificate_file = "{cert}"
set ssl_verify_host = yes
set imap_check_subscribed = no
set imap_list_subscribed = no
set header_cache = ""
set message_cachedir = ""
set mbox_type = Maildir
set record = ""
set postponed = ""
set move = no
set delete = yes
set confirmappend = no
set confirmcreate = no
set quit = yes
set resolve = no
set wait_key = no
set mark_old = no
set help = no
set sort = date-sent
set index_format = "%4C %Z %-25.25s"
set pager_stop = yes
set mail_check = 60
set timeout = 60
'''.format(user=USER, port=port, password=PASSWORD, cert=cert))
        return path

    def test_list_open_flag_move_delete(self):
        t0 = time.monotonic()
        self.seed()
        before = mailstate.imap_tree(self.server.imap_implicit, USER, PASSWORD)
        env = dict(os.environ, HOME=self.work, TERM='xterm-256color', LC_ALL='C.UTF-8')
        self.tmux = Tmux(self.work, 'neomutt -n -F %s' % self.muttrc(), env)
        t = self.tmux
        try:
            t.wait('Alpha message', 'Delta message')
            # the folder browser lists the account's folders
            t.keys('c')
            t.wait('Open mailbox')
            t.keys('?')             # the browser opens on the (empty) mailboxes list;
            t.wait('Mailboxes')
            t.keys('Tab')           # toggle-mailboxes: the server's folders
            t.wait('Projects', 'Archive')
            t.keys('q')             # leave the browser without choosing
            t.wait('Alpha message', absent=('Directory [',))
            # open Beta in the pager
            t.keys('/')
            t.type('Beta')
            t.keys('Enter')
            t.keys('Enter')
            t.wait('BETA-BODY-7261')
            t.keys('q')
            t.wait('Alpha message', 'Gamma message')
            # flag it, then save it to Archive (delete = yes: it leaves INBOX)
            t.keys('F')
            t.keys('s')
            t.wait('Save to mailbox')
            t.keys('C-u')
            t.type('=Archive')
            t.keys('Enter')
            t.wait('Alpha message')
            # delete Gamma
            t.keys('/')
            t.type('Gamma')
            t.keys('Enter')
            t.keys('d')
            t.keys('$')
            t.wait('Alpha message', absent=('Gamma message', 'Beta message'))
            t.keys('q')
            deadline = time.monotonic() + SCREEN_TIMEOUT
            while t.alive() and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertFalse(t.alive(), 'neomutt did not quit:\n' + t.screen())
        except AssertionError:
            loftlib.log(self.server.log_tail())
            raise
        after = mailstate.imap_tree(self.server.imap_implicit, USER, PASSWORD)
        mids = {'<%s@example.com>' % s.split()[0].lower(): s for s, _ in INBOX}
        inv = {v: k for k, v in mids.items()}
        self.assertEqual(sorted(after['INBOX']), sorted([inv['Alpha message'],
                                                         inv['Delta message']]))
        for name in ('Alpha message', 'Delta message'):
            self.assertEqual(after['INBOX'][inv[name]][1], before['INBOX'][inv[name]][1])
        beta = inv['Beta message']
        self.assertEqual(list(after['Archive']), [beta])
        flags, dg = after['Archive'][beta]
        self.assertEqual(dg, before['INBOX'][beta][1], 'Beta changed on its way to Archive')
        self.assertTrue({'\\Flagged', '\\Seen'} <= flags, flags)
        self.assertEqual(after['Projects'], before['Projects'])
        loftlib.log('test_list_open_flag_move_delete %s' % mailstate.elapsed(t0))


if __name__ == '__main__':
    loftlib.run_unittest('e2e-neomutt')

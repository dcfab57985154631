#!/usr/bin/env python3
"""Thunderbird (Debian's package, headless) against the server under test
(E2E_SERVER, see loftlib.make_server), driven over Marionette (marionette.py).

The account is set up the way a user accepting the self-signed certificate
would: an IMAP server over implicit TLS on localhost, normal password, and a
certificate exception for the server's own certificate. Thunderbird then does
what it does on the wire, whatever that is (COMPRESS, ID, NAMESPACE, LIST with
SPECIAL-USE, CONDSTORE, UID FETCH of headers, IDLE...): the test only asks its
front-end API for what a person would do:

  - the folder list: INBOX, Projects and the special-use folders of a new account;
  - the INBOX's headers (three messages), then one message opened (its body);
  - flag one, move one to Projects, delete one (to Trash, Thunderbird's default);
  - a message delivered over LMTP while Thunderbird sits in the INBOX appears
    without the test asking for it (IDLE push).

imaplib then checks the server's side of each step, and Thunderbird's own IMAP
log (MOZ_LOG) must hold no tagged NO or BAD and show that it used IDLE. Every
wait is bounded; on a failure the tail of both logs is printed.

    E2E_SERVER=dovecot python3 tests/e2e/test_thunderbird.py
"""

import imaplib
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
import mailstate  # noqa: E402
from marionette import Marionette  # noqa: E402

USER, PASSWORD = 'tess', 'tess-secret'
WAIT = 60

PREFS = '''user_pref("marionette.port", {port});
user_pref("mail.provider.enabled", false);
user_pref("mail.shell.checkDefaultClient", false);
user_pref("mailnews.start_page.enabled", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("mail.rights.version", 1);
user_pref("mail.spotlight.firstRunDone", true);
user_pref("mailnews.auto_config_url", "");
user_pref("network.dns.disableIPv6", true);
user_pref("mail.biff.show_alert", false);
'''

# Every script starts with this: the account manager and the helpers below.
PRELUDE = '''
const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
const server = () => MailServices.accounts.accounts.map(a => a.incomingServer).find(s => s && s.type == "imap");
const folder = name => server().rootFolder.descendants.find(f => f.name == name);
const hdrs = f => [...f.messages].map(h => [h.messageKey, h.subject, h.isFlagged]);
const bySubject = (f, s) => [...f.messages].find(h => h.subject == s);
const copyListener = resolve => ({
  QueryInterface: ChromeUtils.generateQI(["nsIMsgCopyServiceListener"]),
  onStartCopy() {}, onProgress() {}, setMessageKey() {}, getMessageId() { return ""; },
  onStopCopy(status) { resolve(status); },
});
'''


def message(subject, body):
    return ('From: Writer <writer@example.com>\r\nTo: tess@example.org\r\n'
            'Subject: %s\r\nDate: Tue, 3 Nov 2026 09:00:00 +0000\r\n'
            'Message-ID: <%s@example.com>\r\nContent-Type: text/plain; charset=us-ascii\r\n'
            '\r\n%s\r\n' % (subject, subject.split()[0].lower(), body)).encode()


INBOX = [('Alpha message', 'first body'), ('Beta message', 'BETA-BODY-5521 is here'),
         ('Gamma message', 'third body'), ('Delta message', 'fourth body')]


class ThunderbirdTest(unittest.TestCase):

    def setUp(self):
        if shutil.which('thunderbird') is None:
            msg = 'missing thunderbird (tools/dev.sh test installs it)'
            if os.environ.get('CI'):
                self.fail(msg)
            self.skipTest(msg)
        self.work = tempfile.mkdtemp(prefix='loft-thunderbird-')
        self.server = loftlib.make_server()
        self.server.start()
        self.server.add_user(USER, PASSWORD)
        self.tb = None
        self.m = None

    def tearDown(self):
        if self.m:
            self.m.close()
        if self.tb:
            self.tb.terminate()
            self.tb_out.close()
            try:
                self.tb.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.tb.kill()
                self.tb.wait(timeout=20)
        self.server.stop()
        self.server.cleanup()
        shutil.rmtree(self.work, ignore_errors=True)

    def seed(self):
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        self.assertEqual(m.create('Projects')[0], 'OK')
        # Thunderbird shows subscribed folders only (as a client that created it would).
        self.assertEqual(m.subscribe('Projects')[0], 'OK')
        for subject, body in INBOX:
            self.assertEqual(m.append('INBOX', '()', None, message(subject, body))[0], 'OK')
        m.logout()

    def start_thunderbird(self):
        profile = os.path.join(self.work, 'profile')
        os.makedirs(profile)
        port = loftlib.free_port()
        with open(os.path.join(profile, 'user.js'), 'w') as f:
            f.write(PREFS.format(port=port))
        self.imap_log = os.path.join(self.work, 'imap.log')
        env = dict(os.environ, HOME=self.work, MOZ_HEADLESS='1',
                   MOZ_LOG='IMAP:5', MOZ_LOG_FILE=self.imap_log)
        self.tb_out = open(os.path.join(self.work, 'thunderbird.out'), 'w')
        self.tb = subprocess.Popen(['thunderbird', '--headless', '--marionette', '-remote-allow-system-access',
                                    '--no-remote', '--profile', profile],
                                   env=env, stdout=self.tb_out, stderr=subprocess.STDOUT)
        self.m = Marionette(port, timeout=WAIT)
        self.m.command('WebDriver:NewSession', {})
        self.m.command('Marionette:SetContext', {'value': 'chrome'})

    def js(self, body, *args):
        return self.m.script(PRELUDE + body, args, timeout_ms=WAIT * 1000)

    def wait_js(self, body, pred, what, *args):
        """Runs body until pred(its value) holds; fails after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while True:
            value = self.js(body, *args)
            if pred(value):
                return value
            if time.monotonic() > deadline:
                self.fail('%s: still %r after %d s\n%s' % (what, value, WAIT, self.logs()))
            time.sleep(0.25)

    def imap_log_text(self):
        text = ''
        for path in sorted(p for p in os.listdir(self.work) if p.startswith('imap.log')):
            with open(os.path.join(self.work, path), errors='replace') as f:
                text += f.read()
        return text

    def idle_connections(self):
        """{connection: folder} of Thunderbird's connections now in IDLE, from its
        IMAP log: an IDLE the server accepted ("+ ...") and nothing sent since."""
        state = {}
        line_re = re.compile(r'I/IMAP (\w+):[^:]+:S-([^:]*):(SendData|CreateNewLineFromSocket): (.*)')
        for line in self.imap_log_text().splitlines():
            m = line_re.search(line)
            if not m:
                continue
            conn, folder, kind, data = m.groups()
            if kind == 'SendData':
                state[conn] = (folder, 'asked' if re.match(r'\d+ IDLE\b', data) else 'busy')
            elif data.startswith('+') and state.get(conn, ('', ''))[1] == 'asked':
                state[conn] = (folder, 'idle')
        return {conn: folder for conn, (folder, st) in state.items() if st == 'idle'}

    def wait_idle_in(self, folder):
        """Waits until a connection of Thunderbird has been IDLE in folder for a second."""
        deadline = time.monotonic() + WAIT
        since = None
        while True:
            idle = folder in self.idle_connections().values()
            now = time.monotonic()
            since = (since or now) if idle else None
            if since is not None and now - since >= 1.0:
                return
            if now > deadline:
                self.fail('Thunderbird never went IDLE in %s: %r\n%s' % (folder, self.idle_connections(), self.logs()))
            time.sleep(0.1)

    def logs(self):
        lines = self.imap_log_text().splitlines()
        inbox = [line for line in lines if 'S-INBOX:' in line and 'SetConnectionStatus' not in line]
        return ('--- Thunderbird connections in IDLE: %r\n--- its IMAP log, INBOX lines (tail)\n%s\n'
                '--- its IMAP log (tail)\n%s\n--- server log (tail)\n%s'
                % (self.idle_connections(), '\n'.join(inbox[-30:]), '\n'.join(lines[-30:]),
                   self.server.log_tail(40)))

    def add_account(self):
        host, port = loftlib.split_hostport(self.server.imap_implicit)
        pem = ssl.get_server_certificate((host, port), timeout=30)
        cert = ''.join(line for line in pem.splitlines() if not line.startswith('-----'))
        # What "Confirm Security Exception" stores, then the account a user
        # would enter by hand: localhost, SSL/TLS, normal password.
        self.js('''
const [cert64, port, user, password] = arguments;
const certdb = Cc["@mozilla.org/security/x509certdb;1"].getService(Ci.nsIX509CertDB);
Cc["@mozilla.org/security/certoverride;1"].getService(Ci.nsICertOverrideService)
  .rememberValidityOverride("localhost", port, {}, certdb.constructX509FromBase64(cert64), false);
const s = MailServices.accounts.createIncomingServer(user, "localhost", "imap");
s.port = port;
s.socketType = Ci.nsMsgSocketType.SSL;
s.authMethod = Ci.nsMsgAuthMethod.passwordCleartext;
s.password = password;
const id = MailServices.accounts.createIdentity();
id.email = user + "@example.org";
const account = MailServices.accounts.createAccount();
account.addIdentity(id);
account.incomingServer = s;
s.performExpand(null);
''', cert, port, USER, PASSWORD)

    def server_folder(self, m, name):
        typ, data = m.select('"%s"' % name, readonly=True)
        self.assertEqual(typ, 'OK', (name, data))
        typ, data = m.fetch('1:*', '(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])') if int(data[0]) else ('OK', [])
        self.assertEqual(typ, 'OK')
        out = {}
        for item in data:
            if isinstance(item, tuple):
                subject = item[1].decode().strip().partition(': ')[2]
                out[subject] = set(imaplib.ParseFlags(item[0]))
        return out

    def test_folders_read_flag_move_delete_push(self):
        t0 = time.monotonic()
        self.seed()
        self.start_thunderbird()
        self.add_account()

        # Folder discovery, then the INBOX's headers.
        # A new Loft account has its special-use folders (RFC 6154) subscribed;
        # Dovecot's default has none (Thunderbird makes Trash when it first needs it).
        wanted = {'INBOX', 'Projects'}
        if isinstance(self.server, loftlib.LoftServer):
            wanted |= {'Trash', 'Sent', 'Drafts', 'Junk', 'Archive'}
        names = self.wait_js('return server().rootFolder.descendants.map(f => f.name)',
                             lambda v: wanted <= set(v), 'folder list')
        self.js('folder("INBOX").updateFolder(null)')
        headers = self.wait_js('return hdrs(folder("INBOX"))', lambda v: len(v) == 4, 'INBOX headers')
        self.assertEqual(sorted(h[1] for h in headers), sorted(s for s, _ in INBOX))

        # Open Beta: the body streams from the server.
        body = self.js('''
const f = folder("INBOX");
const uri = f.getUriForMsg(bySubject(f, "Beta message"));
return new Promise(resolve => {
  let data = "";
  MailServices.messageServiceFromURI(uri).streamMessage(uri, {
    QueryInterface: ChromeUtils.generateQI(["nsIStreamListener"]),
    onStartRequest() {},
    onDataAvailable(request, stream, offset, count) {
      const s = Cc["@mozilla.org/scriptableinputstream;1"].createInstance(Ci.nsIScriptableInputStream);
      s.init(stream);
      data += s.read(count);
    },
    onStopRequest(request, status) { resolve([status, data]); },
  }, null, null, false, "", false);
});
''')
        self.assertEqual(body[0], 0, body)
        self.assertIn('BETA-BODY-5521', body[1])
        self.assertIn('Subject: Beta message', body[1])

        # Flag Alpha, move Beta to Projects, delete Gamma (to Trash).
        self.js('const f = folder("INBOX"); f.markMessagesFlagged([bySubject(f, "Alpha message")], true)')
        moved = self.js('''
const f = folder("INBOX");
return new Promise(resolve => MailServices.copy.copyMessages(
  f, [bySubject(f, "Beta message")], folder("Projects"), true, copyListener(resolve), null, false));
''')
        self.assertEqual(moved, 0)
        deleted = self.js('''
const f = folder("INBOX");
return new Promise(resolve => f.deleteMessages(
  [bySubject(f, "Gamma message")], null, false, false, copyListener(resolve), false));
''')
        self.assertEqual(deleted, 0)
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        try:
            deadline = time.monotonic() + WAIT
            while True:
                inbox = self.server_folder(m, 'INBOX')
                state = (inbox, self.server_folder(m, 'Projects'), self.server_folder(m, 'Trash'))
                if (set(inbox) == {'Alpha message', 'Delta message'} and b'\\Flagged' in inbox['Alpha message']
                        and 'Beta message' in state[1] and 'Gamma message' in state[2]):
                    break
                if time.monotonic() > deadline:
                    self.fail('server state after flag/move/delete: %r\n%s' % (state, self.logs()))
                time.sleep(0.25)
        finally:
            m.logout()

        # New mail while Thunderbird sits in the INBOX: pushed (IDLE), not polled.
        # It is delivered once Thunderbird is IDLE there (after its first sync it
        # also selects Sent, Drafts... and may borrow the INBOX's connection).
        self.js('folder("INBOX").updateFolder(null)')
        self.wait_js('return hdrs(folder("INBOX")).length', lambda v: v == 2, 'INBOX after the move and delete')
        self.wait_idle_in('INBOX')
        lmtp = loftlib.LMTPClient(self.server.lmtp)
        try:
            rcpt = '%s@example.org' % USER
            _, _, data = lmtp.transaction('w@example.com', [rcpt],
                                          loftlib.wire_data(message('Epsilon pushed', 'fifth body'))[0])
            self.assertEqual(data.get(rcpt, (0,))[0], 250, data)
        finally:
            lmtp.close()
        self.wait_js('return hdrs(folder("INBOX")).map(h => h[1])', lambda v: 'Epsilon pushed' in v,
                     'new mail pushed to Thunderbird')

        # Thunderbird's side of the whole conversation: nothing refused, IDLE used.
        log = self.imap_log_text()
        tagged = re.compile(r'CreateNewLineFromSocket: (\d+) (OK|NO|BAD)\b')
        answers = [(m.group(2), line) for line in log.splitlines() for m in [tagged.search(line)] if m]
        # The pattern must see the log's tagged answers at all, or "no NO" proves nothing.
        self.assertGreater(sum(1 for kind, _ in answers if kind == 'OK'), 20, log[-3000:])
        refused = [line for kind, line in answers if kind != 'OK']
        self.assertEqual(refused, [], 'Thunderbird got NO/BAD:\n' + '\n'.join(refused[:20]))
        self.assertIsNotNone(re.search(r'SendData: \d+ IDLE', log), 'Thunderbird never sent IDLE')
        if isinstance(self.server, loftlib.LoftServer):  # Dovecot's default has no COMPRESS
            self.assertIsNotNone(re.search(r'SendData: \d+ COMPRESS DEFLATE', log, re.I),
                                 'Thunderbird did not turn COMPRESS on')
        loftlib.log('thunderbird: folders %s, 4 headers, body, flag, move, delete, IDLE push in %.1f s'
                    % (sorted(names), time.monotonic() - t0))


if __name__ == '__main__':
    unittest.main()

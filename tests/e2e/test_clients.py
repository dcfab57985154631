#!/usr/bin/env python3
"""Real mail clients from Debian packages against a real loftd.

1. swaks as the LMTP client: one transaction to alice, bob and an unknown
   recipient (two 250 after DATA, one 550 5.1.1 at RCPT, exit code 0), once with
   swaks' own data handling (it converts LF to CRLF, dot-stuffs and adds the final
   dot; tokens such as %DATE% and a literal backslash-n would be rewritten, so the
   hand-written message has none) and once with --no-data-fixup and wire data made
   here from a corpus message. Both read back byte-exact over IMAP.
2. fetchmail over POP3, implicit TLS and STLS (--sslproto without --ssl makes
   STLS mandatory; the plaintext listener also refuses USER/PASS before STLS),
   certificate check off (self-signed test certificate), UIDL, an mda that writes
   each message to a numbered file: keep once (all fetched), keep again (nothing
   new, exit 1), a new delivery fetched alone without keep (deleted on the
   server), then fetchall without keep (everything fetched and deleted; POP3 STAT
   says 0). fetchmail runs with `set invisible` (no Received: header), `no
   rewrite`, `no envelope`, `no stripcr`, `no mimedecode`, `no dropstatus` and
   `no dropdelivered`, which make it hand the mda the RETR bytes unchanged (see
   FETCHMAIL_NORMALISE: nothing is normalised).
3. A private Postfix (own config/queue/data directories under a temp dir, an
   smtpd on an ephemeral 127.0.0.1 port, virtual_transport = lmtp to loftd,
   maillog_file in the temp dir, no chroot) as the delivering MTA: swaks submits
   one message (null sender) to alice and to an unknown recipient; the message
   shows up over IMAP for alice byte-exact apart from the Received: line Postfix
   prepends, and Postfix's log says status=sent for alice and status=bounced
   (550 5.1.1) for the unknown one.

4. getmail6 over POP3 with implicit TLS (6.18 has no STLS for POP3) and mpop
   over STLS and implicit TLS (certificate checks off), each with an MDA that
   writes every message to a numbered file, through the same four runs: keep
   (all fetched), keep again (UIDL: nothing new), a new delivery fetched alone
   without keep, then everything without keep (POP3 STAT says 0). Both delete
   on the third run what earlier runs kept, as documented. mpop turns CRLF into
   LF (MPOP_NORMALISE); getmail rewrites each message through Python's email
   generator, so the stored bytes go through getmail's own Message.flatten and
   the result must match byte for byte (GETMAIL_NORMALISE).

A missing client binary skips that test, or fails it when CI is set.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl LOFT_CORPUS=../shared/corpus \\
        python3 tests/e2e/test_clients.py
"""

import os
import poplib
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

poplib._MAXLINE = 1 << 20

USERS = {'alice': 'alice-secret', 'bob': 'bob-secret', 'carol': 'carol secret',
         'dave': 'dave-secret', 'erin': 'erin-secret', 'frank': 'frank secret'}
SBIN_PATH = os.environ.get('PATH', '') + ':/usr/sbin:/sbin:/usr/lib/postfix/sbin'
CLIENT_TIMEOUT = 60


def which(binary):
    return shutil.which(binary, path=SBIN_PATH)


def need(testcase, *binaries):
    """Skips (or fails when CI is set) if a client binary is missing."""
    missing = [b for b in binaries if which(b) is None]
    if not missing:
        return
    msg = 'missing client binary: %s (tools/dev.sh test installs it)' % ', '.join(missing)
    if os.environ.get('CI'):
        testcase.fail(msg + ' [CI is set]')
    testcase.skipTest(msg)


# Messages delivered with swaks' own data fixup: no %TOKEN%, no literal
# backslash-n (swaks would rewrite both), no "From " first line (stripped).
SWAKS_MESSAGE = (b'From: Swaks Sender <sender@example.com>\n'
                 b'To: alice@example.org, bob@example.org\n'
                 b'Subject: delivered by swaks\n'
                 b'Message-ID: <swaks-1@example.com>\n'
                 b'Content-Type: text/plain; charset=utf-8\n'
                 b'Content-Transfer-Encoding: 8bit\n'
                 b'\n'
                 b'Line one \xc3\xa4\xc3\xb6\xc3\xbc.\n'
                 b'.\n'
                 b'..two dots\n'
                 b'.leading dot\n'
                 b'CRLF line\r\n'
                 b'\n'
                 b'last line without a newline')


def corpus_pick(features_wanted, n, max_bytes=200000):
    """Up to n corpus messages whose features include any of features_wanted,
    without NUL bytes, well-formed enough for fetchmail (a header and a body)."""
    out = []
    index = os.path.join(loftlib.corpus_dir(), 'INDEX.tsv')
    with open(index, encoding='utf-8') as f:
        rows = [l.rstrip('\n').split('\t') for l in f][1:]
    for row in rows:
        if len(row) < 5 or row[0].startswith('mimekit/mbox/'):
            continue
        feats = set(row[4].split())
        if any(f.startswith('malformed') or f.startswith('fmt:') for f in feats):
            continue
        if int(row[1]) > max_bytes or not (feats & set(features_wanted)):
            continue
        with open(os.path.join(loftlib.corpus_dir(), row[0]), 'rb') as fh:
            raw = fh.read()
        if b'\0' in raw or b'\r\n\r\n' not in loftlib.normalize_crlf(raw):
            continue
        out.append((row[0], raw))
        features_wanted = [x for x in features_wanted if x not in feats] or features_wanted
        if len(out) >= n:
            break
    return out


def run(cmd, timeout=CLIENT_TIMEOUT, **kw):
    loftlib.log('$ ' + ' '.join(cmd))
    return subprocess.run(cmd, capture_output=True, timeout=timeout, **kw)


class ClientsTest(unittest.TestCase):
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.start_loft_with_pop3(USERS)
        cls.addClassCleanup(cls.stop_server)
        cls.pop3_stls, cls.pop3_tls = cls.server.pop3_stls, cls.server.pop3_tls
        cls.tmp = tempfile.mkdtemp(prefix='loft-clients-')
        os.chmod(cls.tmp, 0o755)

    @classmethod
    def stop_server(cls):
        rc = cls.server.stop()
        cls.server.cleanup()
        if not os.environ.get('E2E_KEEP'):
            shutil.rmtree(cls.tmp, ignore_errors=True)
        assert rc == 0, 'loftd exited with %r' % rc

    # -- helpers -----------------------------------------------------------

    def imap_messages(self, user):
        m = loftlib.imap_connect(self.server.imap_starttls, 'starttls')
        try:
            m.login(user, USERS[user])
            n = loftlib.select(m)
            if n == 0:
                return []
            return [r['BODY[]'] for r in loftlib.fetch_all(m)]
        finally:
            try:
                m.logout()
            except Exception:
                pass

    def lmtp_deliver(self, user, raw):
        wire, stored = loftlib.wire_data(raw)
        c = loftlib.LMTPClient(self.server.lmtp)
        try:
            mail, rr, dr = c.transaction('sender@example.com', ['%s@example.org' % user], wire)
        finally:
            c.quit()
        self.assertEqual(dr.get('%s@example.org' % user, (0,))[0], 250, (mail, rr, dr))
        return stored

    def pop3_stat(self, user):
        host, port = loftlib.split_hostport(self.pop3_tls)
        p = poplib.POP3_SSL(host, port, context=loftlib.client_tls_context(), timeout=60)
        try:
            p.user(user)
            p.pass_(USERS[user])
            return p.stat()
        finally:
            p.quit()

    def swaks_lmtp(self, data_arg, extra=()):
        host, port = loftlib.split_hostport(self.server.lmtp)
        return run(['swaks', '--server', '%s:%d' % (host, port), '--protocol', 'LMTP',
                    '--to', 'alice@example.org,bob@example.org,nobody@example.org',
                    '--from', 'x@y', '--timeout', '30', '--data', data_arg] + list(extra))

    def check_swaks_transcript(self, r):
        out = r.stdout.decode('utf-8', 'replace')
        self.assertEqual(r.returncode, 0, out + r.stderr.decode('utf-8', 'replace'))
        lines = out.splitlines()
        # server lines: "<-  " normal, "<** " unexpected (the refused recipient)
        rcpt_replies = []
        for i, l in enumerate(lines):
            if l.startswith(' -> RCPT TO:'):
                rcpt_replies.append((l[len(' -> RCPT TO:'):], lines[i + 1]))
        self.assertEqual([(a, rep[:4]) for a, rep in rcpt_replies],
                         [('<alice@example.org>', '<-  '), ('<bob@example.org>', '<-  '),
                          ('<nobody@example.org>', '<** ')], out)
        self.assertTrue(rcpt_replies[0][1].startswith('<-  250 '), out)
        self.assertTrue(rcpt_replies[1][1].startswith('<-  250 '), out)
        self.assertTrue(rcpt_replies[2][1].startswith('<** 550 5.1.1 '), out)
        dot = max(i for i, l in enumerate(lines) if l == ' -> .')
        after = [l for l in lines[dot + 1:] if l.startswith('<')]
        self.assertEqual(len(after), 3, out)  # two data replies + the 221 to QUIT
        self.assertTrue(after[0].startswith('<-  250 2.0.0 ') and 'alice' in after[0], out)
        self.assertTrue(after[1].startswith('<-  250 2.0.0 ') and 'bob' in after[1], out)
        self.assertTrue(after[2].startswith('<-  221 '), out)

    # -- 1. swaks over LMTP --------------------------------------------------

    def test_1_swaks_lmtp(self):
        need(self, 'swaks')
        before = {u: self.imap_messages(u) for u in ('alice', 'bob')}
        path = os.path.join(self.tmp, 'swaks.eml')
        with open(path, 'wb') as f:
            f.write(SWAKS_MESSAGE)
        r = self.swaks_lmtp('@' + path)
        self.check_swaks_transcript(r)
        expected = [loftlib.normalize_crlf(SWAKS_MESSAGE)]
        # byte-exact corpus messages: our own wire form, swaks sends it untouched
        for rel, raw in corpus_pick(['8bit:body', 'eol:no-final-newline', 'line:>998'], 3):
            wire, stored = loftlib.wire_data(raw)
            p = os.path.join(self.tmp, 'swaks-wire.eml')
            with open(p, 'wb') as f:
                f.write(wire[:-2])  # swaks sends the data followed by CRLF
            r = self.swaks_lmtp("@" + p, ["--no-data-fixup"])
            self.check_swaks_transcript(r)
            expected.append(stored)
        for u in ('alice', 'bob'):
            got = self.imap_messages(u)[len(before[u]):]
            self.assertEqual(len(got), len(expected), u)
            for i, (g, e) in enumerate(zip(got, expected)):
                self.assertEqual(g, e, '%s message %d differs' % (u, i))

    # -- 2. fetchmail over POP3 ----------------------------------------------

    def fetchmail(self, run_name, tls, keep, fetchall=False):
        """Runs fetchmail once for carol; returns (exit code, [message bytes], output)."""
        home = os.path.join(self.tmp, 'fetchmail-home')
        os.makedirs(home, mode=0o700, exist_ok=True)
        out_dir = os.path.join(self.tmp, 'fetched-' + run_name)
        os.makedirs(out_dir)
        os.chmod(out_dir, 0o777)
        mda = self.mda_command(out_dir)[1]
        if tls == 'implicit':
            address, tls_opts = self.pop3_tls, 'ssl sslproto "TLS1.2+"'
        else:
            address, tls_opts = self.pop3_stls, 'sslproto "TLS1.2+"'
        host, port = loftlib.split_hostport(address)
        rc_path = os.path.join(home, 'fetchmailrc')
        with open(rc_path, 'w') as f:
            f.write('set no bouncemail\nset no syslog\nset invisible\n'
                    'poll %s with proto POP3 service %d uidl no envelope auth password timeout 30\n'
                    '  user "carol" there with password "%s" is "carol" here\n'
                    '  options %s %s %s no sslcertck no rewrite no stripcr no forcecr\n'
                    '          no mimedecode no dropstatus no dropdelivered pass8bits\n'
                    '  mda "%s %s %s"\n'
                    % (host, port, USERS['carol'], 'keep' if keep else 'no keep',
                       'fetchall' if fetchall else 'no fetchall', tls_opts,
                       sys.executable, mda, out_dir))
        os.chmod(rc_path, 0o600)
        env = dict(os.environ, FETCHMAILHOME=home, HOME=home)
        r = run(['fetchmail', '-v', '-v', '--nodetach', '-f', rc_path,
                 '-i', os.path.join(home, 'fetchids'),
                 '--pidfile', os.path.join(home, 'fetchmail.pid')],
                timeout=120, env=env)
        out = (r.stdout + r.stderr).decode('utf-8', 'replace')
        files = sorted(os.listdir(out_dir))
        msgs = []
        for name in files:
            with open(os.path.join(out_dir, name), 'rb') as f:
                msgs.append(f.read())
        return r.returncode, msgs, out

    def check_fetched(self, got, expected, out):
        self.assertEqual(len(got), len(expected), out[-3000:])
        for i, (g, e) in enumerate(zip(got, expected)):
            self.assertEqual(fetchmail_normalise(g), e, 'fetched message %d differs' % i)

    def test_2_fetchmail_pop3(self):
        need(self, 'fetchmail')
        raws = [b'Subject: fetchmail 1\r\nFrom: a@example.org\r\n\r\nHello.\r\n',
                b'Subject: dots\r\nFrom: a@example.org\r\n\r\n.\r\n..\r\n.leading\r\nend\r\n',
                b'Subject: lf and no final newline\nFrom: a@example.org\n\nbody\nlast']
        raws += [raw for _, raw in corpus_pick(['8bit:body', 'ct:multipart/mixed',
                                               'hdr:many-received', 'eol:crlf'], 4)]
        stored = [self.lmtp_deliver('carol', raw) for raw in raws]
        self.assertEqual(self.pop3_stat('carol')[0], len(stored))

        # keep, implicit TLS: everything fetched, nothing removed
        rc, got, out = self.fetchmail('keep1', 'implicit', keep=True)
        self.assertEqual(rc, 0, out[-3000:])
        self.assertIn('SSL/TLS', out)  # fetchmail reports the TLS connection
        self.check_fetched(got, stored, out)
        self.assertEqual(self.pop3_stat('carol')[0], len(stored))

        # keep again: UIDL says nothing is new (fetchmail exits 1 = no mail)
        rc, got, out = self.fetchmail('keep2', 'implicit', keep=True)
        self.assertEqual(rc, 1, out[-3000:])
        self.assertEqual(got, [], out[-3000:])
        self.assertEqual(self.pop3_stat('carol')[0], len(stored))

        # one new message; STLS, no keep: only the new one fetched and deleted
        new = self.lmtp_deliver('carol', b'Subject: the new one\r\nFrom: b@example.org\r\n\r\nnew\r\n')
        rc, got, out = self.fetchmail('stls-new', 'stls', keep=False)
        self.assertEqual(rc, 0, out[-3000:])
        self.assertRegex(out, r'POP3> STLS')
        self.check_fetched(got, [new], out)
        self.assertEqual(self.pop3_stat('carol')[0], len(stored))

        # fetchall, no keep: the rest fetched and deleted
        rc, got, out = self.fetchmail('stls-all', 'stls', keep=False, fetchall=True)
        self.assertEqual(rc, 0, out[-3000:])
        self.check_fetched(got, stored, out)
        self.assertEqual(self.pop3_stat('carol'), (0, 0))
        self.assertEqual(self.imap_messages('carol'), [])

    # -- 4. getmail6 and mpop over POP3 ----------------------------------------

    def pop3_messages(self):
        """Deliverable test messages: hand-written edge cases and corpus messages."""
        raws = [b'Subject: first\r\nFrom: a@example.org\r\n\r\nHello.\r\n',
                b'Subject: dots\r\nFrom: a@example.org\r\n\r\n.\r\n..\r\n.leading\r\nend\r\n',
                b'Subject: lf and no final newline\nFrom: a@example.org\n\nbody\nlast']
        return raws + [raw for _, raw in corpus_pick(['8bit:body', 'ct:multipart/mixed',
                                                       'hdr:many-received', 'eol:crlf'], 4)]

    def fetch_scenario(self, user, fetch, normalise, modes, deletes_old=False, expect=lambda e: e):
        """The fetchmail scenario for another client: fetch(run, tls, keep, only_new)
        returns (exit code, [message bytes], output); modes names the TLS mode of
        each of the four runs. Checks byte-identity (after normalise), UIDL
        only-new runs and deletions against POP3 STAT."""
        stored = [self.lmtp_deliver(user, raw) for raw in self.pop3_messages()]
        self.assertEqual(self.pop3_stat(user)[0], len(stored))

        def check(got, expected, out):
            self.assertEqual(len(got), len(expected), out[-3000:])
            for i, (g, e) in enumerate(zip(got, expected)):
                self.assertEqual(normalise(g), expect(e), 'fetched message %d differs' % i)

        # keep: everything fetched, nothing removed
        rc, got, out = fetch('keep1', modes[0], keep=True, only_new=True)
        self.assertEqual(rc, 0, out[-3000:])
        check(got, stored, out)
        self.assertEqual(self.pop3_stat(user)[0], len(stored))
        # keep again: UIDL says nothing is new
        rc, got, out = fetch('keep2', modes[1], keep=True, only_new=True)
        self.assertEqual(rc, 0, out[-3000:])
        check(got, [], out)
        self.assertEqual(self.pop3_stat(user)[0], len(stored))
        # one new message, no keep: only the new one fetched, and deleted (mpop and
        # getmail also delete what earlier runs retrieved and kept: deletes_old)
        new = self.lmtp_deliver(user, b'Subject: the new one\r\nFrom: b@example.org\r\n\r\nnew\r\n')
        rc, got, out = fetch('new', modes[2], keep=False, only_new=True)
        self.assertEqual(rc, 0, out[-3000:])
        check(got, [new], out)
        left = [] if deletes_old else stored
        self.assertEqual(self.pop3_stat(user)[0], len(left))
        # all, no keep: the rest (and one more) fetched and deleted
        left.append(self.lmtp_deliver(user, b'Subject: last\r\nFrom: b@example.org\r\n\r\nlast\r\n'))
        rc, got, out = fetch('all', modes[3], keep=False, only_new=False)
        self.assertEqual(rc, 0, out[-3000:])
        check(got, left, out)
        self.assertEqual(self.pop3_stat(user), (0, 0))
        self.assertEqual(self.imap_messages(user), [])

    def mda_command(self, out_dir):
        mda = os.path.join(self.tmp, 'mda.py')
        if not os.path.exists(mda):
            with open(mda, 'w') as f:
                f.write(MDA_SCRIPT)
        return [sys.executable, mda, out_dir]

    def run_dir(self, client, run_name):
        out_dir = os.path.join(self.tmp, '%s-%s' % (client, run_name))
        os.makedirs(out_dir)
        return out_dir

    @staticmethod
    def read_dir(out_dir):
        msgs = []
        for name in sorted(os.listdir(out_dir)):
            with open(os.path.join(out_dir, name), 'rb') as f:
                msgs.append(f.read())
        return msgs

    def getmail(self, run_name, tls, keep, only_new):
        """getmail6 for erin. 6.18 has no STLS for POP3, so only implicit TLS."""
        assert tls == 'implicit'
        home = os.path.join(self.tmp, 'getmail-home')
        os.makedirs(home, mode=0o700, exist_ok=True)
        out_dir = self.run_dir('getmail', run_name)
        host, port = loftlib.split_hostport(self.pop3_tls)
        mda = self.mda_command(out_dir)
        rc_path = os.path.join(home, 'getmailrc')
        with open(rc_path, 'w') as f:
            f.write('[retriever]\ntype = SimplePOP3SSLRetriever\nserver = %s\nport = %d\n'
                    'username = erin\npassword = %s\ntimeout = 30\n\n'
                    '[destination]\ntype = MDA_external\npath = %s\narguments = ("%s", "%s")\n'
                    'unixfrom = false\nallow_root_commands = true\n\n'
                    '[options]\nread_all = %s\ndelete = %s\ndelivered_to = false\n'
                    'received = false\nverbose = 2\nmessage_log_syslog = false\n'
                    % (host, port, USERS['erin'], mda[0], mda[1], mda[2],
                       'false' if only_new else 'true', 'false' if keep else 'true'))
        r = run(['getmail', '--getmaildir', home, '--rcfile', rc_path], timeout=120,
                env=dict(os.environ, HOME=home))
        return r.returncode, self.read_dir(out_dir), (r.stdout + r.stderr).decode('utf-8', 'replace')

    def mpop(self, run_name, tls, keep, only_new):
        """mpop for frank, STLS or implicit TLS, certificate check off."""
        home = os.path.join(self.tmp, 'mpop-home')
        os.makedirs(home, mode=0o700, exist_ok=True)
        out_dir = self.run_dir('mpop', run_name)
        address = self.pop3_tls if tls == 'implicit' else self.pop3_stls
        host, port = loftlib.split_hostport(address)
        rc_path = os.path.join(home, 'mpoprc')
        with open(rc_path, 'w') as f:
            f.write('account frank\nhost %s\nport %d\ntls on\ntls_starttls %s\n'
                    'tls_certcheck off\nauth user\nuser frank\npassword "%s"\n'
                    'uidls_file %s\nkeep %s\nonly_new %s\nreceived_header off\n'
                    'timeout 30\ndelivery mda "%s"\n'
                    % (host, port, 'off' if tls == 'implicit' else 'on', USERS['frank'],
                       os.path.join(home, 'uidls'), 'on' if keep else 'off',
                       'on' if only_new else 'off', ' '.join(self.mda_command(out_dir))))
        os.chmod(rc_path, 0o600)
        r = run(['mpop', '-C', rc_path, '--debug', 'frank'], timeout=120,
                env=dict(os.environ, HOME=home))
        return r.returncode, self.read_dir(out_dir), (r.stdout + r.stderr).decode('utf-8', 'replace')

    def test_4_getmail_pop3(self):
        need(self, 'getmail')
        self.fetch_scenario('erin', self.getmail, getmail_normalise, ['implicit'] * 4,
                            deletes_old=True, expect=getmail_render)

    def test_5_mpop_pop3(self):
        need(self, 'mpop')
        self.fetch_scenario('frank', self.mpop, mpop_normalise,
                            ['implicit', 'starttls', 'starttls', 'implicit'], deletes_old=True)

    # -- 3. Postfix delivering over LMTP ---------------------------------------

    def test_3_postfix_lmtp(self):
        need(self, 'swaks', 'postfix', 'postconf')
        if os.geteuid() != 0:
            self.skipTest('a private Postfix instance needs root (mail_owner = postfix)')
        for name, getter in (('postfix', pwd.getpwnam), ('postdrop', _getgrnam)):
            try:
                getter(name)
            except KeyError:
                self.fail('the postfix package is installed but %s is missing' % name)
        pf = PrivatePostfix(os.path.join(self.tmp, 'postfix'), self.server.lmtp)
        before = len(self.imap_messages('dave'))
        raw = (b'From: Postfix Test <sender@example.com>\r\n'
               b'To: dave@example.org\r\n'
               b'Subject: through postfix\r\n'
               b'Message-ID: <postfix-1@example.com>\r\n'
               b'Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n'
               b'\r\n'
               b'Hello through Postfix.\r\n'
               b'.leading dot\r\n')
        try:
            pf.start()
            path = os.path.join(self.tmp, 'postfix.eml')
            with open(path, 'wb') as f:
                f.write(loftlib.dot_stuff(raw)[:-2])  # swaks adds the CRLF
            r = run(['swaks', '--server', '127.0.0.1:%d' % pf.smtp_port,
                     '--to', 'dave@example.org,nobody@example.org', '--from', '<>',
                     '--timeout', '30', '--no-data-fixup', '--data', '@' + path])
            out = r.stdout.decode('utf-8', 'replace')
            self.assertEqual(r.returncode, 0, out + r.stderr.decode('utf-8', 'replace'))
            self.assertRegex(out, r'<-  250 2\.0\.0 Ok: queued')

            def arrived():
                return len(self.imap_messages('dave')) > before
            loftlib.wait_until(arrived, 60, 'the message through Postfix', interval=0.5)
            got = self.imap_messages('dave')[before:]
            self.assertEqual(len(got), 1)
            # Postfix prepends exactly one Received: header (folded over 3 lines)
            m = re.match(rb'Received: from [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*', got[0])
            self.assertIsNotNone(m, got[0][:500])
            self.assertEqual(got[0][m.end():], raw)

            def logged():
                text = pf.maillog()
                return ('status=sent' in text and 'status=bounced' in text) and text
            text = loftlib.wait_until(logged, 30, 'Postfix delivery log lines', interval=0.2)
            sent = [l for l in text.splitlines() if 'to=<dave@example.org>' in l and 'status=' in l]
            bounced = [l for l in text.splitlines()
                       if 'to=<nobody@example.org>' in l and 'status=' in l]
            self.assertTrue(sent and 'status=sent' in sent[-1], text)
            self.assertIn('relay=127.0.0.1[127.0.0.1]:%d' % loftlib.split_hostport(
                self.server.lmtp)[1], sent[-1])
            self.assertTrue(bounced and 'status=bounced' in bounced[-1], text)
            self.assertRegex(bounced[-1], r'said: 550 5\.1\.1 ')
        finally:
            pf.stop()


MDA_SCRIPT = ('import os, sys\n'
              'd = sys.argv[1]\n'
              'n = len(os.listdir(d))\n'
              'data = sys.stdin.buffer.read()\n'
              'with open(os.path.join(d, "%04d.eml" % n), "wb") as f:\n'
              '    f.write(data)\n')


# GETMAIL_NORMALISE: getmail6 parses each message and writes it out again
# with Python's email generator (LF line endings, its own Return-Path field
# first, header fields folded again, multipart boundaries re-spaced); it has
# no option to pass the RETR bytes on as they are. So the stored bytes go
# through getmail's own Message.flatten (getmailcore, the same code path):
# getmail's output must equal that byte for byte, which holds only if RETR
# returned exactly the stored bytes.
def getmail_render(stored):
    sys.path.append('/usr/lib/python3/dist-packages')
    from getmailcore.message import Message  # noqa: E402 - only where getmail is installed
    return Message(fromstring=stored).flatten(delivered_to=False, received=False)


def getmail_normalise(data):
    return data


# MPOP_NORMALISE: mpop hands an MDA the RETR bytes un-dot-stuffed with every
# CRLF turned into LF (its documented local line ending); stored messages are
# all CRLF, so turning LF back into CRLF must give the stored bytes exactly.
def mpop_normalise(data):
    return data.replace(b'\n', b'\r\n')


def _getgrnam(name):
    import grp
    return grp.getgrnam(name)


# FETCHMAIL_NORMALISE: with `set invisible` (no Received: header), `no rewrite`,
# `no envelope`, `no stripcr`, `no forcecr`, `no mimedecode`, `no dropstatus` and
# `no dropdelivered`, fetchmail 6.4 hands the mda exactly the bytes RETR returned
# (un-dot-stuffed, CRLF kept), so nothing is normalised: the identity below is
# where a normalisation would go if a fetchmail version started adding headers.
def fetchmail_normalise(data):
    return data


class PrivatePostfix:
    """A Postfix instance of its own: config, queue and data directories under
    `root`, an smtpd on an ephemeral 127.0.0.1 port, delivery over LMTP to loftd,
    logging to a file (maillog_file through postlogd), no chroot."""

    def __init__(self, root, lmtp_address):
        self.root = root
        self.config_dir = os.path.join(root, 'etc')
        self.queue_dir = os.path.join(root, 'queue')
        self.data_dir = os.path.join(root, 'data')
        self.log_file = os.path.join(root, 'maillog')
        self.smtp_port = loftlib.free_port()
        self.started = False
        os.makedirs(self.config_dir)
        os.makedirs(self.queue_dir)
        os.makedirs(self.data_dir)
        os.chmod(root, 0o755)
        os.chmod(self.queue_dir, 0o755)
        pw = pwd.getpwnam('postfix')
        os.chown(self.data_dir, pw.pw_uid, pw.pw_gid)
        os.chmod(self.data_dir, 0o700)
        lhost, lport = loftlib.split_hostport(lmtp_address)
        postconf = lambda p: subprocess.run(['postconf', '-dh', p], capture_output=True,  # noqa: E731
                                            text=True, timeout=30).stdout.strip()
        main = {
            'compatibility_level': '3.6',
            'config_directory': self.config_dir,
            'queue_directory': self.queue_dir,
            'data_directory': self.data_dir,
            'command_directory': postconf('command_directory'),
            'daemon_directory': postconf('daemon_directory'),
            'meta_directory': postconf('meta_directory'),
            'shlib_directory': postconf('shlib_directory'),
            'mail_owner': 'postfix',
            'setgid_group': 'postdrop',
            'maillog_file': self.log_file,
            'maillog_file_prefixes': root,
            'inet_interfaces': '127.0.0.1',
            'inet_protocols': 'ipv4',
            'myhostname': 'postfix.localhost',
            'mydomain': 'localhost',
            'myorigin': 'localhost',
            'mydestination': '',
            'mynetworks': '127.0.0.0/8',
            'relay_domains': '',
            'local_recipient_maps': '',
            'alias_maps': '',
            'alias_database': '',
            'virtual_mailbox_domains': 'example.org',
            'virtual_mailbox_maps': '',
            'smtpd_reject_unlisted_recipient': 'no',
            'virtual_transport': 'lmtp:inet:%s:%d' % (lhost, lport),
            'smtpd_relay_restrictions': 'permit_mynetworks, reject',
            'smtputf8_enable': 'no',
            'biff': 'no',
            'append_dot_mydomain': 'no',
            'smtp_dns_support_level': 'disabled',
            'lmtp_dns_support_level': 'disabled',
            'notify_classes': '',
            'maximal_backoff_time': '10s',
            'minimal_backoff_time': '5s',
            'queue_run_delay': '5s',
            'import_environment': 'MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C',
        }
        with open(os.path.join(self.config_dir, 'main.cf'), 'w') as f:
            for k, v in main.items():
                f.write('%s = %s\n' % (k, v))
        loftlib.write_postfix_master_cf(self.config_dir, self.smtp_port)

    def postfix(self, *args, timeout=60):
        # Postfix commands print their errors only to a terminal (else to syslog or
        # maillog_file), so a failure's reason is in maillog() or needs `script`.
        return subprocess.run([which('postfix'), '-c', self.config_dir] + list(args),
                              capture_output=True, text=True, timeout=timeout)

    def start(self):
        r = self.postfix('set-permissions')
        if r.returncode != 0:
            raise RuntimeError('postfix set-permissions: %s%s' % (r.stdout, r.stderr))
        r = self.postfix('check')
        if r.returncode != 0:
            raise RuntimeError('postfix check: %s%s' % (r.stdout, r.stderr))
        r = self.postfix('start')
        self.started = True
        if r.returncode != 0:
            raise RuntimeError('postfix start: %s%s\n%s' % (r.stdout, r.stderr, self.maillog()))

        def listening():
            try:
                socket.create_connection(('127.0.0.1', self.smtp_port), timeout=1).close()
                return True
            except OSError:
                return False
        loftlib.wait_until(listening, 30, 'the private Postfix smtpd', interval=0.2)

    def stop(self):
        if not self.started:
            return
        r = self.postfix('stop')
        if r.returncode != 0:
            loftlib.log('postfix stop: %s%s' % (r.stdout, r.stderr))
        pid_file = os.path.join(self.queue_dir, 'pid', 'master.pid')

        def gone():
            try:
                with open(pid_file) as f:
                    pid = int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                return True
            return not os.path.exists('/proc/%d' % pid)
        try:
            loftlib.wait_until(gone, 30, 'the private Postfix to stop', interval=0.2)
        except TimeoutError as e:
            loftlib.log(str(e))
        self.started = False

    def maillog(self):
        try:
            with open(self.log_file, 'rb') as f:
                return f.read().decode('utf-8', 'replace')
        except OSError:
            return ''


if __name__ == '__main__':
    loftlib.run_unittest('test_clients')

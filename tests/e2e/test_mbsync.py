#!/usr/bin/env python3
"""mbsync (isync) against the server under test (E2E_SERVER, see loftlib.make_server).

1. Two-way sync: an account with four folders (one nested) and flagged messages is
   pulled into an empty local Maildir; then each side changes (locally: a new
   message, a flag change, a deleted message; on the server: an APPEND, a STORE, a
   new folder, an EXPUNGE); mbsync runs again and both sides must hold the same
   folders, messages (by Message-ID and content digest) and flags; a second, fresh
   Maildir pulled from the server must equal the first.
2. Migration: a generated local Maildir of MBSYNC_MESSAGES messages (default 20,000;
   meson runs it with a smaller CI value) in several folders with flags is pushed
   into an empty account; every message must arrive once, with its flags and bytes,
   mbsync must report no error, and the server's RSS (summed over its processes)
   must stay under MBSYNC_RSS_LIMIT_MIB (default 512).

mbsync talks implicit TLS and pins the server's certificate (CertificateFile).

    E2E_SERVER=dovecot-mdbox-hp python3 tests/e2e/test_mbsync.py
"""

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
import mailstate  # noqa: E402

USER, PASSWORD = 'mia', 'mia-secret'
MIGRATION_MESSAGES = int(os.environ.get('MBSYNC_MESSAGES', '20000'))
RSS_LIMIT_KIB = int(os.environ.get('MBSYNC_RSS_LIMIT_MIB', '512')) * 1024
SYNC_TIMEOUT = int(os.environ.get('MBSYNC_TIMEOUT', '900'))


def message(mid, subject, size=600, seed=0):
    """A deterministic message (LF line ends, as a Maildir holds it)."""
    rnd = random.Random(seed)
    words = ['alpha', 'beta', 'gamma', 'delta', 'mailbox', 'server', 'sync', 'flag']
    lines, n = [], 0
    while n < size:
        line = ' '.join(rnd.choice(words) for _ in range(10))
        lines.append(line)
        n += len(line) + 1
    return ('From: Sender %d <s%d@example.com>\nTo: mia@example.org\n'
            'Subject: %s\nDate: Mon, 2 Nov 2026 10:%02d:00 +0000\nMessage-ID: <%s>\n'
            'MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n%s\n'
            % (seed % 100, seed % 100, subject, seed % 60, mid, '\n'.join(lines))).encode()


def write_maildir_message(folder_dir, name, raw, flags):
    """Stores raw into folder_dir/cur with the Maildir info for flags (sorted)."""
    for sub in ('cur', 'new', 'tmp'):
        os.makedirs(os.path.join(folder_dir, sub), exist_ok=True)
    letters = ''.join(sorted(k for k, v in mailstate.MAILDIR_FLAGS.items() if v in flags))
    with open(os.path.join(folder_dir, 'cur', '%s:2,%s' % (name, letters)), 'wb') as f:
        f.write(raw)


class Mbsync:
    """One mbsync configuration: the account on the server <-> a local Maildir tree."""

    def __init__(self, server, workdir, name):
        self.root = os.path.join(workdir, name)
        self.inbox = os.path.join(self.root, 'INBOX')
        os.makedirs(self.root, exist_ok=True)
        self.cfg = os.path.join(workdir, name + '.mbsyncrc')
        cert = mailstate.server_cert_pem(server.imap_implicit,
                                         os.path.join(workdir, 'server-cert.pem'))
        port = loftlib.split_hostport(server.imap_implicit)[1]
        with open(self.cfg, 'w') as f:
            # FSync no: mbsync's own journal and Maildir writes need not reach the
            # disk in a test; the server's durability is what is measured.
            f.write('''FSync no

IMAPAccount acc
Host localhost
Port {port}
User {user}
Pass {password}
SSLType IMAPS
SystemCertificates no
CertificateFile {cert}
PipelineDepth 50
Timeout 120

IMAPStore far
Account acc

MaildirStore near
Path {root}/
Inbox {inbox}
SubFolders Verbatim

Channel ch
Far :far:
Near :near:
Patterns *
Create Both
Remove Both
Expunge Both
SyncState *
CopyArrivalDate yes
'''.format(port=port, user=USER, password=PASSWORD, cert=cert,
           root=self.root, inbox=self.inbox))

    def run(self, *opts, timeout=SYNC_TIMEOUT):
        """Runs mbsync; returns (seconds, output); raises with the output on failure."""
        t0 = time.monotonic()
        r = subprocess.run(['mbsync', '-c', self.cfg] + list(opts) + ['ch'],
                           capture_output=True, text=True, timeout=timeout)
        out = r.stdout + r.stderr
        if r.returncode != 0:
            raise AssertionError('mbsync %s: exit %d\n%s' % (' '.join(opts), r.returncode,
                                                            out[-3000:]))
        return time.monotonic() - t0, out

    def tree(self):
        return mailstate.maildir_tree(self.root, self.inbox)


class MbsyncTest(unittest.TestCase):

    def setUp(self):
        if shutil.which('mbsync') is None:
            msg = 'mbsync missing (isync; tools/dev.sh test installs it)'
            if os.environ.get('CI'):
                self.fail(msg)
            self.skipTest(msg)
        self.work = tempfile.mkdtemp(prefix='loft-mbsync-')
        self.server = loftlib.make_server()
        self.server.start()
        self.server.add_user(USER, PASSWORD)

    def tearDown(self):
        if hasattr(self, 'server'):
            self.server.stop()
            self.server.cleanup()
            shutil.rmtree(self.work, ignore_errors=True)

    def server_tree(self, bodies=True):
        return mailstate.imap_tree(self.server.imap_implicit, USER, PASSWORD, bodies)

    def assertSame(self, a, b, names):
        diff = mailstate.diff_trees(a, b, names)
        self.assertEqual(diff, [], '\n'.join(diff))

    def test_two_way_sync_and_back(self):
        t0 = time.monotonic()
        folders = {'INBOX': 6, 'Work': 5, 'Work/Projects': 4, 'Archive': 5}
        flag_sets = [(), ('\\Seen',), ('\\Seen', '\\Flagged'), ('\\Answered', '\\Seen'),
                     ('\\Draft',)]
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        n = 0
        for folder, count in folders.items():
            if folder != 'INBOX':
                typ, data = m.create(mailstate.quote(folder))
                # A new Loft account already has Archive (RFC 6154 special use).
                self.assertTrue(typ == 'OK' or b'ALREADYEXISTS' in data[0], (folder, data))
            for i in range(count):
                n += 1
                flags = flag_sets[n % len(flag_sets)]
                typ, data = m.append(mailstate.quote(folder), '(%s)' % ' '.join(flags), None,
                                     message('seed-%d@example.com' % n, '%s %d' % (folder, i),
                                             seed=n).replace(b'\n', b'\r\n'))
                self.assertEqual(typ, 'OK', data)
        m.logout()
        seeded = self.server_tree()
        self.assertEqual({f: len(v) for f, v in seeded.items() if v}, folders)

        sync = Mbsync(self.server, self.work, 'near')
        secs, _ = sync.run()
        loftlib.log('first pull %.1fs' % secs)
        self.assertSame(seeded, sync.tree(), ('server', 'local'))

        # Local changes: a new message in Work, \Flagged added to an INBOX message,
        # a message of Archive deleted (its file removed).
        write_maildir_message(os.path.join(sync.root, 'Work'), 'local-new.1',
                              message('local-1@example.com', 'written locally', seed=900),
                              {'\\Seen'})
        cur = os.path.join(sync.inbox, 'cur')
        victim = sorted(os.listdir(cur))[0]
        base, _, info = victim.partition(':2,')
        os.rename(os.path.join(cur, victim),
                  os.path.join(cur, '%s:2,%s' % (base, ''.join(sorted(set(info) | {'F'})))))
        arch_cur = os.path.join(sync.root, 'Archive', 'cur')
        os.unlink(os.path.join(arch_cur, sorted(os.listdir(arch_cur))[0]))

        # Server changes: APPEND to Archive, \Seen on Work/Projects 1, a new folder
        # with a message, Work's message 2 expunged.
        m = mailstate.imap_login(self.server.imap_implicit, USER, PASSWORD)
        self.assertEqual(m.append('Archive', '(\\Flagged)', None,
                                  message('server-1@example.com', 'appended on the server',
                                          seed=901).replace(b'\n', b'\r\n'))[0], 'OK')
        self.assertEqual(m.create('Lists')[0], 'OK')
        self.assertEqual(m.append('Lists', '()', None,
                                  message('server-2@example.com', 'list mail',
                                          seed=902).replace(b'\n', b'\r\n'))[0], 'OK')
        m.select('"Work/Projects"')
        self.assertEqual(m.store('1', '+FLAGS', '(\\Seen)')[0], 'OK')
        m.select('Work')
        self.assertEqual(m.store('2', '+FLAGS', '(\\Deleted)')[0], 'OK')
        self.assertEqual(m.expunge()[0], 'OK')
        m.logout()

        secs, _ = sync.run()
        loftlib.log('two-way sync %.1fs' % secs)
        server, local = self.server_tree(), sync.tree()
        self.assertSame(server, local, ('server', 'local'))
        # every change arrived on the other side
        self.assertIn('<local-1@example.com>', server['Work'])
        self.assertIn('\\Flagged', server['INBOX'][mailstate.digest(
            open(os.path.join(cur, [f for f in os.listdir(cur) if f.startswith(base)][0]),
                 'rb').read())[0]][0])
        self.assertEqual(len(server['Archive']), folders['Archive'])  # one gone, one new
        self.assertIn('<server-1@example.com>', local['Archive'])
        self.assertIn('<server-2@example.com>', local['Lists'])
        self.assertEqual(len(local['Work']), folders['Work'])  # one new, one expunged
        self.assertTrue(any('\\Seen' in fl for fl, _ in local['Work/Projects'].values()))

        # ... and back again: a fresh Maildir from the server equals the first one
        again = Mbsync(self.server, self.work, 'again')
        again.run()
        self.assertSame(local, again.tree(), ('first local', 'second local'))
        loftlib.log('test_two_way_sync_and_back %s' % mailstate.elapsed(t0))

    def test_migration_push(self):
        t0 = time.monotonic()
        sync = Mbsync(self.server, self.work, 'source')
        folders = ['INBOX', 'Archive', 'Archive/2025', 'Lists/dev', 'Sent', 'Drafts']
        weights = [5, 6, 4, 3, 2, 1]
        rnd = random.Random(7)
        flag_choices = [set(), {'\\Seen'}, {'\\Seen'}, {'\\Seen'}, {'\\Seen', '\\Flagged'},
                        {'\\Seen', '\\Answered'}, {'\\Draft'}, {'\\Flagged'}]
        expected = {f: {} for f in folders}
        for i in range(MIGRATION_MESSAGES):
            folder = rnd.choices(folders, weights)[0]
            flags = frozenset(rnd.choice(flag_choices))
            mid = 'mig-%d@example.com' % i
            raw = message(mid, 'migrated %d' % i, size=rnd.choice([300, 800, 2000, 6000]),
                          seed=i)
            d = sync.inbox if folder == 'INBOX' else os.path.join(sync.root, folder)
            write_maildir_message(d, '%d.%d.gen' % (1700000000 + i, i), raw, flags)
            expected[folder]['<%s>' % mid] = (flags, mailstate.digest(raw)[1])
        loftlib.log('generated %d messages in %s' % (MIGRATION_MESSAGES, mailstate.elapsed(t0)))

        t1 = time.monotonic()
        with mailstate.PeakRss(self.server) as rss:
            secs, out = sync.run('--push')
        loftlib.log('mbsync --push of %d messages: %.1fs (%.0f msg/s); server RSS %d -> peak '
                    '%d KiB' % (MIGRATION_MESSAGES, secs, MIGRATION_MESSAGES / secs, rss.first,
                                rss.peak))
        self.assertNotRegex(out, r'(?i)error|warning', out[-2000:])

        t2 = time.monotonic()
        got = self.server_tree(bodies=True)
        loftlib.log('read back %d messages in %s' % (MIGRATION_MESSAGES, mailstate.elapsed(t2)))
        self.assertSame(expected, got, ('local', 'server'))
        self.assertEqual(sum(len(v) for v in got.values()), MIGRATION_MESSAGES)
        self.assertLess(rss.peak, RSS_LIMIT_KIB,
                        'server RSS peaked at %d KiB (limit %d)' % (rss.peak, RSS_LIMIT_KIB))
        # a second run has nothing left to do
        _, out = sync.run('--push')
        heads = {f: {mid: (fl, None) for mid, (fl, _) in v.items()} for f, v in expected.items()}
        self.assertSame(heads, self.server_tree(bodies=False), ('local', 'server after rerun'))
        loftlib.log('test_migration_push %s (sync %s)' % (mailstate.elapsed(t0),
                                                         mailstate.elapsed(t1)))


if __name__ == '__main__':
    loftlib.run_unittest('e2e-mbsync')

#!/usr/bin/env python3
"""CATENATE (RFC 4469) with URL-PARTIAL (RFC 5550) end to end: APPEND of a
message built from TEXT literals (synchronising, LITERAL+, literal8) and URLs
of stored messages (RFC 5092: whole, ;SECTION=, ;PARTIAL=, another mailbox,
an absolute imap:// URL of this server and user), in MULTIAPPEND and REPLACE;
APPENDUID; every BADURL case (another account's mailbox among them), TOOBIG,
syntax errors, and that a failed CATENATE stores nothing, even after bytes were
written. The bytes and BODYSTRUCTURE of the messages built are compared with
what a private Dovecot 2.3 builds for the same commands, when it is installed.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_catenate.py
"""

import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'secret'
MAX_MESSAGE = 4 << 20
MAX_TOTAL = 6 << 20

SOURCE = (b'From: a@example.org\r\nTo: b@example.org\r\nSubject: source\r\nMIME-Version: 1.0\r\n'
          b'Content-Type: multipart/mixed; boundary="xyz"\r\n\r\n'
          b'--xyz\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nFirst part.\r\n'
          b'--xyz\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'
          b'AAECAwQFBgcICQ==\r\n--xyz--\r\n')
HEADER = SOURCE[:SOURCE.index(b'\r\n\r\n') + 4]
PART2 = b'AAECAwQFBgcICQ=='
PART2_MIME = b'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'


def text(data, sync=True, binary=False):
    return ('TEXT', data, sync, binary)


def url(u):
    return ('URL', u)


def send_catenate(conn, tag, head, messages):
    """Sends `tag APPEND head` with each message a list of parts (or bytes for a
    plain literal message), waiting for "+" before each synchronising literal.
    Returns (tagged line, untagged lines); a tagged answer instead of a "+" ends it."""
    out = tag.encode() + b' ' + head.encode()
    for parts in messages:
        if isinstance(parts, bytes):
            out += b' {%d+}\r\n' % len(parts) + parts
            continue
        out += b' CATENATE ('
        for i, p in enumerate(parts):
            out += b' ' if i else b''
            if p[0] == 'URL':
                out += b'URL "' + p[1].encode() + b'"'
                continue
            _, data, sync, binary = p
            out += b'TEXT ' + (b'~' if binary else b'') + b'{%d%s}\r\n' % (len(data), b'' if sync else b'+')
            if sync:
                conn.send(out)
                out = b''
                line = conn.readline()
                if not line.startswith(b'+'):
                    rest, lines = conn.read_until_tagged(tag) if not line.startswith(tag.encode() + b' ') \
                        else (line, [line])
                    return rest.decode(errors='replace'), lines[:-1]
            out += data
        out += b')'
    conn.send(out + b'\r\n')
    line, lines = conn.read_until_tagged(tag)
    assert line is not None, 'connection closed'
    return line.decode(errors='replace'), lines[:-1]


class Imap(loftlib.RawImap):
    def __init__(self, server, user):
        super().__init__(server, user, PASSWORD, tag_prefix='c')

    def catenate(self, head, *messages):
        """APPEND head (or head itself when it is a REPLACE) with these messages."""
        self.n += 1
        if 'REPLACE ' not in head:
            head = 'APPEND ' + head
        return send_catenate(self.c, 'c%d' % self.n, head, messages)

    def status(self, mailbox, item):
        for l in self.ok('STATUS %s (%s)' % (mailbox, item)):
            m = re.search(rb'%s (\d+)' % item.encode(), l)
            if m:
                return int(m.group(1))
        raise AssertionError('no STATUS')

    def put(self, mailbox, body, flags=''):
        status, line, _ = self.cmd(b'APPEND %s %s{%d+}\r\n' % (mailbox.encode(), flags.encode(), len(body)) + body)
        assert status == 'OK', line
        m = re.search(r'APPENDUID (\d+) (\d+)', line)
        return int(m.group(1)), int(m.group(2))

    def close(self):
        self.c.close()


def fetch(server, user, mailbox, uid, items='(UID FLAGS BODY.PEEK[])'):
    """One message's items (loftlib.parse_fetch) and its BODYSTRUCTURE; None if gone."""
    c = loftlib.imap_connect(server.imap_implicit, 'implicit')
    try:
        c.login(user, PASSWORD)
        loftlib.select(c, mailbox)
        typ, data = c.uid('FETCH', str(uid), items)
        assert typ == 'OK', data
        got = loftlib.parse_fetch(data)
        if not got:
            return None
        typ, data = c.uid('FETCH', str(uid), '(BODYSTRUCTURE)')
        m = re.search(rb'BODYSTRUCTURE (\(.*\))(?: UID \d+)?\)$', data[0])
        got[0]['BODYSTRUCTURE'] = m.group(1) if m else data
        return got[0]
    finally:
        c.logout()


def appenduid(line):
    m = re.search(r'\[APPENDUID (\d+) (\S+)\]', line)
    assert m, line
    return int(m.group(1)), m.group(2)


class CatenateTest(loftlib.LoftTestCase):
    SERVER_ARGS = dict(max_message_size=MAX_MESSAGE, limits=['max_append_total = %d' % MAX_TOTAL])
    USERS = ('alice', 'bob', 'carol', 'dave', 'erin')
    PASSWORD = PASSWORD

    def body(self, user, mailbox, uid):
        return fetch(self.srv, user, mailbox, uid)['BODY[]']

    def test_capability_after_login_only(self):
        c = loftlib.RawImap(self.srv)
        status, line, untagged = c.cmd('CAPABILITY')
        self.assertNotIn(b'CATENATE', untagged[0])
        # Before login no URL is looked at: the APPEND is refused whole.
        status, line, _ = c.cmd('APPEND INBOX CATENATE (URL "/INBOX/;UID=1")')
        self.assertEqual(status, 'BAD', line)
        c.c.close()
        m = Imap(self.srv, 'alice')
        caps = m.ok('CAPABILITY')[0].decode().split()
        self.assertIn('CATENATE', caps)
        self.assertIn('URL-PARTIAL', caps)
        m.close()

    def test_text_parts_sync_and_literal_plus(self):
        m = Imap(self.srv, 'alice')
        uidvalidity, uidnext = m.status('Drafts', 'UIDVALIDITY'), m.status('Drafts', 'UIDNEXT')
        parts = [text(b'Subject: t\r\n'), text(b'\r\n', sync=False), text(b'body\r\n'), text(b'', sync=False)]
        line, _ = m.catenate('Drafts (\\Seen) "17-Jul-1996 02:44:25 -0700"', parts)
        self.assertEqual(appenduid(line), (uidvalidity, str(uidnext)), line)
        got = fetch(self.srv, 'alice', 'Drafts', uidnext, '(FLAGS INTERNALDATE BODY.PEEK[])')
        self.assertEqual(got['BODY[]'], b'Subject: t\r\n\r\nbody\r\n')
        self.assertIn('\\Seen', got['FLAGS'])
        self.assertEqual(got['INTERNALDATE'], '17-Jul-1996 02:44:25 -0700')
        m.close()

    def test_text_and_urls_whole_section_partial_other_mailbox(self):
        m = Imap(self.srv, 'bob')
        m.ok('CREATE Archive/2024')
        uv, src = m.put('Archive/2024', SOURCE)
        m.ok('SELECT INBOX')  # the selected mailbox plays no part in absolute-path URLs
        base = '/Archive%%2F2024;UIDVALIDITY=%d/;UID=%d' % (uv, src)
        line, untagged = m.catenate('INBOX', [text(b'X-Note: forwarded\r\n'), url(base)])
        _, uid = appenduid(line)
        self.assertIn(b'* 1 EXISTS', untagged)  # the target is selected: EXISTS before the OK
        self.assertEqual(self.body('bob', 'INBOX', uid), b'X-Note: forwarded\r\n' + SOURCE)
        cases = [
            ('/;SECTION=HEADER', HEADER),
            ('/;SECTION=2', PART2),
            ('/;SECTION=2.MIME', PART2_MIME),
            ('/;SECTION=TEXT/;PARTIAL=2.5', SOURCE[len(HEADER) + 2:len(HEADER) + 7]),
            ('/;PARTIAL=10', SOURCE[10:]),
            ('/;PARTIAL=0.1000000', SOURCE),
            ('/;SECTION=HEADER.FIELDS%20(Subject%20To)', b'To: b@example.org\r\nSubject: source\r\n\r\n'),
            ('/;SECTION=1/;PARTIAL=6.100', b'part.'),
        ]
        for suffix, want in cases:
            with self.subTest(url=suffix):
                line, _ = m.catenate('INBOX', [url(base + suffix), text(b'|', sync=False)])
                _, uid = appenduid(line)
                self.assertEqual(self.body('bob', 'INBOX', uid), want + b'|')
        # RFC 4469 §3: an absolute URL of this server and user is taken too;
        # UIDVALIDITY may be left out (RFC 5092 §6).
        line, _ = m.catenate('INBOX', [url('imap://bob@localhost/Archive/2024/;UID=%d/;SECTION=1' % src)])
        self.assertEqual(self.body('bob', 'INBOX', appenduid(line)[1]), b'First part.')
        # RFC 5092 §8: a name is percent-encoded UTF-8 in a URL (modified UTF-7 on the wire).
        m.ok('CREATE Entw&APw-rfe')
        _, src2 = m.put('Entw&APw-rfe', SOURCE)
        line, _ = m.catenate('INBOX', [url('/Entw%%C3%%BCrfe/;UID=%d/;SECTION=2.MIME' % src2)])
        self.assertEqual(self.body('bob', 'INBOX', appenduid(line)[1]), PART2_MIME)
        # Catenating sets no \Seen on the source (RFC 4469 §3).
        self.assertNotIn('\\Seen', fetch(self.srv, 'bob', 'Archive/2024', src, '(FLAGS)')['FLAGS'])
        m.close()

    def test_multiappend_of_catenate_messages_and_replace(self):
        m = Imap(self.srv, 'carol')
        uv, src = m.put('INBOX', SOURCE)
        u = '/INBOX;UIDVALIDITY=%d/;UID=%d' % (uv, src)
        nxt = m.status('Drafts', 'UIDNEXT')
        line, _ = m.catenate('Drafts', [url(u + '/;SECTION=HEADER'), text(b'one\r\n')],
                             b'plain\r\n', [text(b'two:', sync=False), url(u + '/;SECTION=1')])
        self.assertEqual(appenduid(line)[1], '%d:%d' % (nxt, nxt + 2), line)
        self.assertEqual(self.body('carol', 'Drafts', nxt), HEADER + b'one\r\n')
        self.assertEqual(self.body('carol', 'Drafts', nxt + 1), b'plain\r\n')
        self.assertEqual(self.body('carol', 'Drafts', nxt + 2), b'two:First part.')
        # RFC 8508 REPLACE with a CATENATE message: the draft is rebuilt from its own parts.
        m.ok('SELECT Drafts')
        line, untagged = m.catenate('UID REPLACE %d Drafts' % nxt,
                                    [url('/Drafts/;UID=%d/;SECTION=HEADER' % nxt), text(b'edited\r\n')])
        self.assertIn('OK', line)
        new = [l for l in untagged if b'APPENDUID' in l]
        self.assertTrue(new, untagged)
        new_uid = int(re.search(rb'APPENDUID \d+ (\d+)', new[0]).group(1))
        self.assertEqual(self.body('carol', 'Drafts', new_uid), HEADER + b'edited\r\n')
        self.assertIsNone(fetch(self.srv, 'carol', 'Drafts', nxt))
        m.close()

    def test_literal8_text_and_large_url_copy(self):
        m = Imap(self.srv, 'dave')
        line, _ = m.catenate('INBOX', [text(b'Subject: bin\r\n\r\n\x00\x01\x02\r\n', binary=True)])
        self.assertEqual(self.body('dave', 'INBOX', appenduid(line)[1]), b'Subject: bin\r\n\r\n\x80\x01\x02\r\n')
        # A URL larger than a copy step (1 MiB) goes in several worker steps.
        big = b'Subject: big\r\n\r\n' + b''.join(b'%07d' % i + b'x' * 71 + b'\r\n' for i in range(20000))
        uv, src = m.put('INBOX', big)
        line, _ = m.catenate('INBOX', [url('/INBOX/;UID=%d' % src), url('/INBOX/;UID=%d/;SECTION=TEXT' % src)])
        got = self.body('dave', 'INBOX', appenduid(line)[1])
        self.assertEqual(got, big + big[big.index(b'\r\n\r\n') + 4:])
        m.close()

    def test_every_bad_url_stores_nothing(self):
        alice = Imap(self.srv, 'alice')
        alice.ok('CREATE Secret')
        auv, asrc = alice.put('Secret', SOURCE)
        alice.close()
        m = Imap(self.srv, 'erin')
        uv, src = m.put('INBOX', SOURCE)
        ok = '/INBOX/;UID=%d' % src
        bad = [
            '/Secret/;UID=%d' % asrc,                             # alice's mailbox: erin has none
            '/Secret;UIDVALIDITY=%d/;UID=%d' % (auv, asrc),
            'imap://alice@localhost/Secret/;UID=%d' % asrc,       # another account
            'imap://erin@elsewhere.example/INBOX/;UID=%d' % src,  # another server
            'imap://localhost/INBOX/;UID=%d' % src,              # no user: no personal mailbox
            '/Nope/;UID=1',
            '/INBOX;UIDVALIDITY=%d/;UID=%d' % (uv + 1, src),
            '/INBOX/;UID=%d' % (src + 100),
            ok + '/;SECTION=7',
            ok + '/;SECTION=1.2.3',
            ok + '/;SECTION=BOGUS',
            ok + '/;PARTIAL=%d' % len(SOURCE),
            ok + '/;SECTION=1/;PARTIAL=500',
            ok + ';URLAUTH=anonymous:internal:' + '0' * 32,
            ';UID=%d' % src,                                     # relative-path (RFC 5092 §7.2)
            'INBOX/;UID=%d' % src,
            'http://localhost/INBOX/;UID=%d' % src,
            '/INBOX',
        ]
        before = m.status('Drafts', 'MESSAGES')
        for u in bad:
            with self.subTest(url=u):
                # Bytes were written before the bad URL: they must go too.
                line, _ = m.catenate('Drafts', [text(b'X: y\r\n' * 12000, sync=False), url(ok), url(u),
                                                text(b'tail', sync=False)])
                self.assertTrue(line.startswith('c%d NO [BADURL %s]' % (m.n, u)), line)
        # A later URL or message of the command is not the one named: the first bad one is.
        line, _ = m.catenate('Drafts', [url('/Nope/;UID=1'), url('/Nope2/;UID=1')], [url(ok)])
        self.assertIn('[BADURL /Nope/;UID=1]', line)
        # RFC 4469 Appendix A, example 4: a known failure is answered in place of the "+".
        line, _ = m.catenate('Drafts', [url('/Nope/;UID=1'), text(b'never sent')])
        self.assertIn('NO [BADURL /Nope/;UID=1]', line)
        m.ok('NOOP')
        self.assertEqual(m.status('Drafts', 'MESSAGES'), before)
        self.assert_consistent()
        m.close()

    def test_toobig_and_syntax_errors(self):
        m = Imap(self.srv, 'erin')
        big = b'Subject: big\r\n\r\n' + b'z' * (3 << 20)
        uv, src = m.put('Archive', big)
        before = m.status('Drafts', 'MESSAGES')
        # RFC 4469 §4.2: over the message limit once the URLs are added.
        line, _ = m.catenate('Drafts', [url('/Archive/;UID=%d' % src), text(b'x' * 100, sync=False),
                                        url('/Archive/;UID=%d' % src)])
        self.assertIn('NO [TOOBIG]', line)
        # Over the APPEND total with MULTIAPPEND, and a TEXT literal over the limit.
        line, _ = m.catenate('Drafts', [url('/Archive/;UID=%d' % src)], [url('/Archive/;UID=%d' % src)])
        self.assertIn('NO [TOOBIG]', line)
        line, _ = m.catenate('Drafts', [url('/Archive/;UID=%d' % src), text(b'y' * (2 << 20))])
        self.assertIn('NO [TOOBIG]', line)
        for args in ['CATENATE ()', 'CATENATE (TEXT "abc")', 'CATENATE (URL)', 'CATENATE (FOO "x")',
                     'CATENATE "/Archive/;UID=1"', 'CATENATE (URL "/a/;UID=1"']:
            with self.subTest(args=args):
                status, line, _ = m.cmd('APPEND Drafts ' + args)
                self.assertEqual(status, 'BAD', line)
        status, line, _ = m.cmd('APPEND Nope CATENATE (URL "/Archive/;UID=%d")' % src)
        self.assertIn('NO [TRYCREATE]', line)
        m.ok('NOOP')
        self.assertEqual(m.status('Drafts', 'MESSAGES'), before)
        self.assert_consistent()
        m.close()


# The same commands to Loft and to Dovecot; {uv} and {uid} name the source.
DIFF_COMMANDS = [
    [text(b'Subject: catenated\r\n\r\nhello\r\n')],
    [text(b'X-Pre: 1\r\n', sync=False), url('/INBOX;UIDVALIDITY={uv}/;UID={uid}')],
    [url('/INBOX;UIDVALIDITY={uv}/;UID={uid}/;SECTION=HEADER'), text(b'New body.\r\n')],
    [url('/INBOX/;UID={uid}/;SECTION=HEADER'),
     text(b'--xyz\r\n'), url('/INBOX/;UID={uid}/;SECTION=2.MIME'), url('/INBOX/;UID={uid}/;SECTION=2'),
     text(b'\r\n--xyz--\r\n', sync=False)],
    [text(b'Subject: parts\r\n\r\n'), url('/INBOX/;UID={uid}/;SECTION=1'), text(b' / '),
     url('/INBOX/;UID={uid}/;SECTION=TEXT/;PARTIAL=3.20')],
    [url('/INBOX/;UID={uid}/;PARTIAL=0.60'), url('/INBOX/;UID={uid}/;SECTION=HEADER.FIELDS%20(Subject)')],
    [url('/Sub%20Box/;UID=1'), text(b'\r\n', sync=False)],
]


# The named differences (docs/imap-differences.md, CATENATE): a URL and the
# (status, response code) each server answers when it is the only part.
KNOWN = [
    ('/INBOX/;UID={uid}/;SECTION=9', ('NO', 'BADURL'), ('OK', 'APPENDUID')),  # NO_SUCH_PART
    ('/INBOX/;UID={uid}/;PARTIAL=100000', ('NO', 'BADURL'), ('OK', 'APPENDUID')),  # PARTIAL_PAST_END
    ('INBOX/;UID={uid}', ('NO', 'BADURL'), ('OK', 'APPENDUID')),  # RELATIVE_PATH
    ('imap://diff@localhost/INBOX/;UID={uid}', ('OK', 'APPENDUID'), ('NO', 'BADURL')),  # ABSOLUTE_URL
    ('/INBOX/;UID={uid}/;SECTION=1.MIMEX', ('NO', 'BADURL'), ('NO', 'SERVERBUG')),  # BAD_SECTION
    ('', ('NO', ''), ('NO', 'BADURL')),  # EMPTY_URL
]


def status_and_code(line):
    """('OK', 'APPENDUID') from 'tag OK [APPENDUID 1 2] ...'."""
    parts = line.split(' ', 2)
    m = re.match(r'\[([A-Z-]+)', parts[2] if len(parts) > 2 else '')
    return parts[1], m.group(1) if m else ''


@unittest.skipUnless(shutil.which('dovecot'), 'dovecot not installed')
class DovecotDiffTest(unittest.TestCase):
    def test_same_messages_as_dovecot(self):
        loft, dove = loftlib.start_loft_and_dovecot(self)
        results = {}
        for srv in (loft, dove):
            srv.add_user('diff', PASSWORD)
            m = Imap(srv, 'diff')
            self.addCleanup(m.close)
            m.cmd('CREATE Cat')
            m.ok('CREATE "Sub Box"')
            uv, uid = m.put('INBOX', SOURCE)
            m.put('"Sub Box"', b'Subject: sub\r\n\r\nin a box\r\n')
            uids = []
            for parts in DIFF_COMMANDS:
                parts = [(p[0], p[1].format(uv=uv, uid=uid)) if p[0] == 'URL' else p for p in parts]
                line, _ = m.catenate('Cat', parts)
                uids.append(appenduid(line)[1])
            # MULTIAPPEND of two CATENATE messages.
            line, _ = m.catenate('Cat', [url('/INBOX/;UID=%d/;SECTION=1' % uid)], [text(b'2nd\r\n')])
            uids += appenduid(line)[1].split(':')
            results[srv.name] = [fetch(srv, 'diff', 'Cat', u) for u in uids]
            results[srv.name + ' known'] = [status_and_code(m.catenate('Cat', [url(u.format(uid=uid))])[0])
                                             for u, _, _ in KNOWN]
        for i, (l, d) in enumerate(zip(results['loftd'], results['dovecot'])):
            with self.subTest(message=i):
                self.assertEqual(l['BODY[]'], d['BODY[]'])
                self.assertEqual(l['BODYSTRUCTURE'], d['BODYSTRUCTURE'])
        for (u, want_loft, want_dove), got_loft, got_dove in zip(KNOWN, results['loftd known'],
                                                                 results['dovecot known']):
            with self.subTest(url=u):
                self.assertEqual((got_loft, got_dove), (want_loft, want_dove))


if __name__ == '__main__':
    loftlib.run_unittest('e2e-catenate')

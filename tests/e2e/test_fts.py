#!/usr/bin/env python3
"""Full-text index end to end (docs/search.md) with Python's imaplib: every
SEARCH key (TEXT, BODY, SUBJECT, FROM, TO, CC, BCC, HEADER, with flags,
dates, sizes, NOT, OR, UID sets) over the corpus, answered with the index,
must equal the answers of the same server with [search] index = false.
Then the crash test: loftd is SIGKILLed while it indexes a fresh batch of
deliveries, restarts, catches up (every job done), and answers stay exact.
Last, an HTML-only message, indexed: searched as the text it shows.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_fts.py
"""

import os
import random
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402
from test_search import MESSAGES  # noqa: E402

PASSWORD = 'fts-secret'
SEED = int(os.environ.get('LOFT_FTS_SEED', '7'))

FIXED = [
    ('TEXT', 'revenue'), ('BODY', 'crème'), ('BODY', 'CRÈME BR'), ('SUBJECT', 'café'), ('SUBJECT', 'Quarterly'),
    ('FROM', 'alice'), ('FROM', 'andré'), ('TO', 'bob@example'), ('CC', 'carol'), ('BCC', 'secret'),
    ('HEADER X-Priority', '1'), ('HEADER Message-ID', 'example'), ('HEADER Content-Type', 'multipart'),
    ('BODY', 'привет'), ('SUBJECT', 'привет'), ('BODY', '日本語'), ('SUBJECT', '日本語'), ('BODY', 'needle-in-preamble'),
    ('BODY', 'binary-secret'), ('TEXT', 'content-type: text/plain'), ('TEXT', 'the'), ('BODY', 'zzqqxxyy'),
    ('TEXT', 'http://'), ('BODY', 'é'), ('TEXT', 'ab'), ('FROM', '<'), ('SUBJECT', ''),
]


def quote(s):
    return b'"' + s.encode().replace(b'\\', b'\\\\').replace(b'"', b'\\"') + b'"'


class FtsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = loftlib.LoftServer()
        cls.base_config = open(cls.server.config).read()
        cls.server.start()
        cls.server.add_user('alice', PASSWORD)
        cls.corpus = [raw for _, raw in loftlib.load_corpus()] + list(MESSAGES)
        cls.deliver(cls.corpus)
        cls.wait_caught_up(1)
        rng = random.Random(SEED)
        cls.queries = cls.make_queries(rng)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    @classmethod
    def deliver(cls, messages):
        cls.server.deliver_all(messages)

    @classmethod
    def wait_caught_up(cls, times):
        cls.server.wait_index_caught_up(times)

    @classmethod
    def restart(cls, index):
        cls.server.stop()
        with open(cls.server.config, 'w') as f:
            f.write(cls.base_config + ('\n[search]\nindex = %s\n' % ('true' if index else 'false')))
        cls.server.start()

    @classmethod
    def make_queries(cls, rng):
        words = []
        for raw in cls.corpus:
            text = raw.decode('utf-8', 'replace')
            words += re.findall(r'[^\s"\\]{3,14}', text)[:200]
        queries = [(k, v) for k, v in FIXED]
        keys = ['TEXT', 'BODY', 'SUBJECT', 'FROM', 'TO', 'CC', 'BCC', 'HEADER Subject', 'HEADER Message-ID']
        for _ in range(150):
            w = rng.choice(words)
            a = rng.randrange(len(w))
            frag = w[a:a + rng.randint(1, 10)]
            if rng.random() < 0.5:
                frag = frag.upper()
            queries.append((rng.choice(keys), frag))
        return queries

    def answers(self, with_extras):
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            imap.select('INBOX')
            if with_extras:  # some flags for the combinations
                imap.uid('STORE', ','.join(str(u) for u in range(1, 400, 7)), '+FLAGS', '(\\Flagged)')
            out = []
            for n, (key, value) in enumerate(self.queries):
                parts = key.split(' ')
                crit = [p.encode() for p in parts] + [quote(value)]
                shape = n % 5
                if shape == 1:
                    crit = [b'FLAGGED'] + crit
                elif shape == 2:
                    crit = [b'OR'] + crit + [b'SUBJECT', quote(value[:3] or 'x')]
                elif shape == 3:
                    crit = [b'NOT'] + crit + [b'SINCE', b'1-Jan-2000', b'LARGER', b'100']
                elif shape == 4:
                    crit = [b'UID', b'1:200'] + crit
                typ, data = imap.uid('SEARCH', 'CHARSET', 'UTF-8', *crit)
                self.assertEqual(typ, 'OK', (crit, data))
                out.append(sorted(int(x) for x in data[0].split()))
            return out
        finally:
            imap.logout()

    def test_1_indexed_equals_plain_then_crash(self):
        indexed = self.answers(True)
        status_ok = self.answers(False)
        self.assertEqual(indexed, status_ok)
        self.assertGreater(sum(1 for a in indexed if a), len(indexed) // 4)
        type(self).restart(index=False)
        plain = self.answers(False)
        for q, a, b in zip(self.queries, indexed, plain):
            self.assertEqual(a, b, q)
        # Crash while indexing: a new batch is delivered, loftd is killed at once.
        type(self).restart(index=True)
        self.deliver(self.corpus)
        self.server.kill()
        self.server.reset_addresses()
        log_before = self.server.index_batches_done()
        self.server.start()
        type(self).wait_caught_up(log_before + 1)
        self.server.stop()
        status = self.server.ctl('index', 'status', '--user', 'alice')
        self.assertEqual(status.returncode, 0, status.stderr)
        m = re.search(r'documents (\d+) bytes (\d+) mail_bytes (\d+) ratio ([\d.]+) pending (\d+)', status.stdout)
        self.assertTrue(m, status.stdout)
        self.assertEqual(int(m.group(1)), 2 * len(self.corpus), status.stdout)
        self.assertEqual(int(m.group(5)), 0, status.stdout)
        self.server.start()
        after_crash = self.answers(False)
        type(self).restart(index=False)
        plain_after = self.answers(False)
        for q, a, b in zip(self.queries, after_crash, plain_after):
            self.assertEqual(a, b, q)
        # rebuild and optimize keep the answers too
        self.server.stop()
        r = self.server.ctl('index', 'rebuild', '--user', 'alice', timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('alice indexed %d' % (2 * len(self.corpus)), r.stdout)
        r = self.server.ctl('index', 'optimize', timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        type(self).restart(index=True)
        self.assertEqual(self.answers(False), plain_after)

    def test_2_html_is_searched_as_text(self):
        """docs/search.md "HTML": tag and entity names are no text, decoded
        references and words cut by inline tags are, with the index on."""
        html = (b'From: h@example.org\r\nSubject: html only\r\nMIME-Version: 1.0\r\n'
                b'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n'
                b'<html><head><style>div.zqstyle { color: red }</style></head><body>\r\n'
                b'<div>Zqhtml caf&eacute;&nbsp;cr&#232;me</div><p>W<b>ond</b>erful<br>z=C3=BCrich</p>\r\n'
                b'<!-- zqcomment --><script>var zqscript = 1;</script></body></html>\r\n')
        before = self.server.index_batches_done()
        self.deliver([html])
        type(self).wait_caught_up(before + 1)
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            imap.select('INBOX')
            typ, data = imap.uid('SEARCH', 'BODY', quote('zqhtml'))
            self.assertEqual(typ, 'OK')
            uids = [int(x) for x in data[0].split()]
            self.assertEqual(len(uids), 1, data)
            uid = uids[0]

            def found(needle):
                typ, data = imap.uid('SEARCH', 'CHARSET', 'UTF-8', 'BODY', quote(needle))
                self.assertEqual(typ, 'OK', (needle, data))
                return uid in [int(x) for x in data[0].split()]
            for needle in ['nbsp', 'div', 'eacute', 'caf&eacute;', '<b>', 'zqstyle', 'zqcomment', 'zqscript', 'html>']:
                self.assertFalse(found(needle), needle)
            for needle in ['café', 'CAFÉ', 'café crème', 'wonderful', 'zürich', 'Zqhtml café']:
                self.assertTrue(found(needle), needle)
        finally:
            imap.logout()


if __name__ == '__main__':
    unittest.main(verbosity=2)

#!/usr/bin/env python3
"""PDF and office attachments in SEARCH (docs/search.md, "Attachments"):
with [search.attachments] on, BODY and TEXT find words inside a PDF
(pdftotext), a .docx sent as application/octet-stream (docx2txt, by its file
name) and an ODF text (odt2txt), whole words and fragments, with the index and
without it (same answers); an attachment over max_size, a broken PDF and a
PNG are not text; a hanging extractor is killed at its timeout and SEARCH
still answers; turned off again, the index made with extractors is not used
(the answers are the plain evaluator's), and is rebuilt.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tests/e2e/test_attachments.py
"""

import base64
import io
import os
import shutil
import sys
import time
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import loftlib  # noqa: E402

PASSWORD = 'attach-secret'


def pdf(text, padding=0):
    """A one-page PDF showing text; padding adds a comment of that many bytes."""
    stream = b'BT /F1 12 Tf 72 712 Td (' + text.encode('latin-1') + b') Tj ET'
    objs = [b'<< /Type /Catalog /Pages 2 0 R >>', b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
            b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R '
            b'/Resources << /Font << /F1 5 0 R >> >> >>',
            b'<< /Length %d >>\nstream\n' % len(stream) + stream + b'\nendstream',
            b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
    out = io.BytesIO()
    out.write(b'%PDF-1.4\n')
    if padding:
        out.write(b'%' + b'x' * padding + b'\n')
    offsets = []
    for i, o in enumerate(objs):
        offsets.append(out.tell())
        out.write(b'%d 0 obj\n' % (i + 1) + o + b'\nendobj\n')
    xref = out.tell()
    out.write(b'xref\n0 %d\n0000000000 65535 f \n' % (len(objs) + 1))
    for o in offsets:
        out.write(b'%010d 00000 n \n' % o)
    out.write(b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(objs) + 1, xref))
    return out.getvalue()


def docx(text):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as z:
        z.writestr('[Content_Types].xml', '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>')
        z.writestr('word/document.xml', '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.'
                   'org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body>'
                   '</w:document>' % text)
    return b.getvalue()


def odt(text):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w') as z:
        z.writestr('mimetype', 'application/vnd.oasis.opendocument.text')
        z.writestr('content.xml', '<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:'
                   'opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
                   '<office:body><office:text><text:p>%s</text:p></office:text></office:body>'
                   '</office:document-content>' % text)
    return b.getvalue()


def mail(subject, parts):
    """A multipart/mixed message: a short text part, then (type, filename, bytes) parts in base64."""
    lines = ['From: a@example.org', 'To: alice@example.org', 'Subject: %s' % subject,
             'Message-ID: <%s@example.org>' % subject.replace(' ', '.'), 'MIME-Version: 1.0',
             'Content-Type: multipart/mixed; boundary="BOUND"', '', '--BOUND',
             'Content-Type: text/plain; charset=us-ascii', '', 'Please see the attached file.']
    for ctype, name, data in parts:
        lines += ['--BOUND', 'Content-Type: %s' % ctype,
                  'Content-Disposition: attachment; filename="%s"' % name,
                  'Content-Transfer-Encoding: base64', '']
        lines += [base64.b64encode(data[i:i + 57]).decode() for i in range(0, len(data), 57)]
    lines += ['--BOUND--', '']
    return '\r\n'.join(lines).encode()


MESSAGES = [
    mail('quarterly', [('application/pdf', 'q.pdf', pdf('Quarterly zebrafish report'))]),             # 1
    mail('notes', [('application/octet-stream', 'notes.docx', docx('Minutes about okapiword'))]),      # 2
    mail('draft', [('application/vnd.oasis.opendocument.text', 'd.odt', odt('Draft narwhalword'))]),   # 3
    mail('big', [('application/pdf', 'big.pdf', pdf('toolargeword inside', padding=300000))]),         # 4
    mail('broken', [('application/pdf', 'broken.pdf', b'%PDF-1.4 this is not a pdf zebrafish')]),       # 5
    mail('image', [('image/png', 'x.png', b'\x89PNG zebrafish okapiword')]),                           # 6
    mail('plain', []),                                                                                 # 7
]

QUERIES = [
    ('BODY', 'zebrafish'), ('BODY', 'ebrafi'), ('BODY', '"quarterly zebrafish"'), ('TEXT', 'okapiword'),
    ('BODY', 'okapi'), ('BODY', 'narwhalword'), ('BODY', 'toolargeword'), ('BODY', 'attached'),
    ('OR', 'BODY', 'narwhal', 'BODY', 'zebra'), ('NOT', 'BODY', 'zebrafish'), ('BODY', 'nosuchwordanywhere'),
]
EXPECTED = [[1], [1], [1], [2], [2], [3], [], [1, 2, 3, 4, 5, 6, 7], [1, 3], [2, 3, 4, 5, 6, 7], []]

ATTACHMENTS = '\n[search.attachments]\nenabled = true\nmax_size = 200000\ntimeout_ms = 20000\n'


class AttachmentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for program in ('pdftotext', 'docx2txt', 'odt2txt'):
            if shutil.which(program) is None:
                raise RuntimeError('%s is missing (tools/dev.sh test installs it)' % program)
        cls.server = loftlib.LoftServer()
        cls.restart(index=True, attachments=ATTACHMENTS)
        cls.server.add_user('alice', PASSWORD)
        cls.server.deliver_all(MESSAGES)
        cls.server.wait_index_caught_up(1, 120)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls.server.cleanup()

    @classmethod
    def restart(cls, index, attachments):
        cls.server.restart_with('[search]\nindex = %s\n%s' % ('true' if index else 'false', attachments))

    def answers(self):
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            imap.select('INBOX')
            out = []
            for q in QUERIES:
                typ, data = imap.uid('SEARCH', *q)
                self.assertEqual(typ, 'OK', (q, data))
                out.append(sorted(int(x) for x in data[0].split()))
            return out
        finally:
            imap.logout()

    def test_1_indexed(self):
        self.assertEqual(self.answers(), EXPECTED)
        status = self.server.ctl('index', 'status', '--user', 'alice')
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertNotIn('rebuilding', status.stdout)

    def test_2_scanned_same_answers(self):
        self.restart(index=False, attachments=ATTACHMENTS)
        try:
            self.assertEqual(self.answers(), EXPECTED)
        finally:
            self.restart(index=True, attachments=ATTACHMENTS)
        self.assertEqual(self.answers(), EXPECTED)

    def test_3_hanging_extractor(self):
        # Every PDF goes to an extractor that never answers: killed at the
        # timeout, the part is not searched, the rest of the message is.
        hang = ('\n[search.attachments]\nenabled = true\ntimeout_ms = 300\n'
                '[search.attachments.extractors]\n"application/pdf" = ["sh", "-c", "sleep 60", "%f"]\n')
        self.restart(index=True, attachments=hang)
        try:
            self.server.deliver_all([mail('late', [('application/pdf', 'late.pdf', pdf('Lateword'))])])  # uid 8
            imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
            try:
                imap.login('alice', PASSWORD)
                imap.select('INBOX')
                start = time.monotonic()
                self.assertEqual(imap.uid('SEARCH', 'BODY', 'lateword')[1][0], b'')
                self.assertEqual(imap.uid('SEARCH', 'BODY', 'attached', 'UID', '8')[1][0], b'8')
                self.assertLess(time.monotonic() - start, 30)
            finally:
                imap.logout()
            with open(self.server.log_path, errors='replace') as f:
                self.assertIn('timed out on a application/pdf attachment', f.read())
        finally:
            self.restart(index=True, attachments=ATTACHMENTS)
        # Back with pdftotext: the late PDF's word is found (the index was
        # made with other extractors: rebuilt, or scanned meanwhile).
        got = self.answers()
        self.assertEqual(got[0], [1])
        imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
        try:
            imap.login('alice', PASSWORD)
            imap.select('INBOX')
            self.assertEqual(imap.uid('SEARCH', 'BODY', 'lateword')[1][0], b'8')
        finally:
            imap.logout()

    def test_4_turned_off(self):
        # Without extractors the attachments are no text, with or without the
        # index that was made with them (it is not used, then rebuilt).
        # First an index made with the extractors (earlier tests used others).
        status = self.server.ctl('index', 'rebuild', '--user', 'alice')
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(self.answers()[:7], EXPECTED[:7])
        caught = self.server.index_batches_done()
        self.restart(index=True, attachments='')
        try:
            off = [[]] * 7  # the first seven queries look for words only attachments hold
            self.assertEqual(self.answers()[:7], off)
            self.server.deliver_all([mail('trigger', [])])
            loftlib.wait_until(lambda: 'other attachment extractors' in open(self.server.log_path,
                                                                              errors='replace').read(),
                               60, 'the indexer to see the other extractors')
            loftlib.wait_until(lambda: self.server.index_batches_done() > caught, 120, 'the indexer')
            status = self.server.ctl('index', 'rebuild', '--user', 'alice')
            self.assertEqual(status.returncode, 0, status.stderr)
            self.assertEqual(self.answers()[:7], off)
        finally:
            self.restart(index=True, attachments=ATTACHMENTS)

    def test_5_transient_failure(self):
        # The extractor times out once (while the indexer reads the message)
        # and works later: the index must keep the message a candidate of
        # every body key, so SEARCH reads it and finds the word.
        marker = os.path.join(self.server.dir, 'extractor-ran-once')
        flaky = ('\n[search.attachments]\nenabled = true\ntimeout_ms = 2000\n'
                 '[search.attachments.extractors]\n"application/pdf" = ["sh", "-c", '
                 '"if [ -e \'%s\' ]; then pdftotext -q \\"$0\\" -; else touch \'%s\'; sleep 60; fi", "%%f"]\n'
                 % (marker, marker))
        self.restart(index=True, attachments=flaky)
        try:
            # The index of the other extractors is rebuilt first, with this one.
            self.server.ctl('index', 'rebuild', '--user', 'alice')
            if os.path.exists(marker):
                os.unlink(marker)
            caught = self.server.index_batches_done()
            self.server.deliver_all([mail('flaky', [('application/pdf', 'f.pdf', pdf('Flakyword'))])])
            loftlib.wait_until(lambda: self.server.index_batches_done() > caught, 120, 'the indexer')
            self.assertTrue(os.path.exists(marker))
            status = self.server.ctl('index', 'status', '--user', 'alice')
            self.assertNotIn('rebuilding', status.stdout)
            imap = loftlib.imap_connect(self.server.imap_implicit, 'implicit')
            try:
                imap.login('alice', PASSWORD)
                imap.select('INBOX')
                uids = imap.uid('SEARCH', 'BODY', 'flakyword')[1][0].split()
                self.assertEqual(len(uids), 1, uids)
                self.assertEqual(imap.uid('SEARCH', 'BODY', 'lakywor')[1][0].split(), uids)
            finally:
                imap.logout()
        finally:
            self.restart(index=True, attachments=ATTACHMENTS)


if __name__ == '__main__':
    loftlib.run_unittest('attachments')

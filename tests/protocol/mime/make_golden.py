#!/usr/bin/env python3
"""Regenerates golden.dat: Dovecot's ENVELOPE, BODYSTRUCTURE and BODY for every
single-message file of ../shared/corpus (delivered over LMTP to a private
Dovecot 2.3, loftlib.DovecotServer). mime_golden_test.cc parses the same bytes
(CRLF-normalised, as LMTP stores them) with Loft and compares byte for byte.

Format, one record per item: b"<path>\\t<ITEM>\\t<length>\\n" + value + b"\\n",
where value is the item's value exactly as Dovecot sent it (literals inline).
Skipped: files whose first line starts with white space (it would continue
Dovecot's prepended Return-Path).

    python3 tests/protocol/mime/make_golden.py   (needs dovecot-imapd, dovecot-lmtpd)
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'e2e'))
import loftlib  # noqa: E402
from test_dovecot_diff import ImapRaw  # noqa: E402

ITEMS = ('ENVELOPE', 'BODYSTRUCTURE', 'BODY')


def main():
    msgs = [(rel, raw) for rel, raw in loftlib.load_corpus() if raw[:1] not in (b' ', b'\t')]
    dove = loftlib.DovecotServer()
    dove.start()
    try:
        dove.add_user('alice', 'alice-secret')
        c = loftlib.LMTPClient(dove.lmtp)
        for rel, raw in msgs:
            wire, _ = loftlib.wire_data(raw)
            _, _, dr = c.transaction('sender@example.com', ['alice@example.org'], wire)
            assert dr['alice@example.org'][0] == 250, (rel, dr)
        c.quit()
        imap = ImapRaw(dove.imap_implicit)
        imap.login('alice', 'alice-secret')
        st, _ = imap.cmd('EXAMINE INBOX')
        assert st == 'OK'
        out = bytearray()
        for seq, (rel, _) in enumerate(msgs, 1):
            for item in ITEMS:
                st, untagged = imap.cmd('FETCH %d %s' % (seq, item))
                assert st == 'OK' and len(untagged) == 1, (rel, item, st, untagged)
                r = untagged[0]
                prefix = b'* %d FETCH (%s ' % (seq, item.encode())
                assert r.startswith(prefix) and r.endswith(b')\r\n'), r[:200]
                value = r[len(prefix):-3]
                out += b'%s\t%s\t%d\n' % (rel.encode(), item.encode(), len(value)) + value + b'\n'
        imap.close()
        with open(os.path.join(HERE, 'golden.dat'), 'wb') as f:
            f.write(out)
        print('%d messages' % len(msgs))
    finally:
        dove.stop()
        dove.cleanup()


if __name__ == '__main__':
    main()

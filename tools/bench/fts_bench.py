#!/usr/bin/env python3
"""Full-text SEARCH with Loft's index against a private Dovecot's SEARCH (no
FTS plugin), in the same run, on one generated mailbox (docs/performance.md).

N realistic messages (default 20,000): sizes from 1 to ~60 KB (log-normal),
plain, multipart/alternative with HTML, a tenth with a base64 attachment;
text in English, German, French, Russian, Japanese and Chinese drawn with a
Zipf law from per-language vocabularies. Delivered over LMTP (4 connections)
to loftd ([search] index = true) and to Dovecot (Maildir, fsync never). Then,
per query, the median of 5 runs (Dovecot: 3), Loft's CPU per search, and
the ratio. Also: indexing throughput (`loftctl index rebuild` on the stopped
store), index size / mail size (`loftctl index status`), and the LMTP
delivery rate of M messages (default 3,000) into fresh servers with the
index on and off, alternated twice. FUZZY searches: fuzzy_bench.py.

    LOFTD=build/server/loftd LOFTCTL=build/tools/loftctl python3 tools/bench/fts_bench.py [N] [M]

FTS_BENCH_DELIVERY_ONLY=1 stops after the delivery-rate comparison.
FTS_BENCH_DOVECOT_RUNS=K runs each query K times on Dovecot (default 3; on
100,000 messages one scan takes tens of seconds).
FTS_BENCH_DOVECOT_CACHE=FILE keeps Dovecot's answers (hits, median ms) per
query in FILE for this N: a later run on the same generated mailbox (the seed
is fixed) reads them instead of loading Dovecot again. The figures then come
from two runs: say so when quoting them.
"""

import contextlib
import json

import os
import random
import resource
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tests', 'e2e'))
import loftlib  # noqa: E402
from test_dovecot_diff import ImapRaw, SENDER  # noqa: E402

SEED = 10


def vocab(rnd):
    """Per-language word lists: real frequent words plus generated ones."""
    latin = 'abcdefghijklmnopqrstuvwxyz'
    langs = {
        'en': 'the of and to in is that for it with as was on be at by this have from or one had not but what all '
              'were when we there can an your which their said if do will each about how up out them then she many '
              'some so these would other into has more her two like him see time could no make than first been its '
              'who now people my made over did down only way find use may water long little very after words '
              'meeting budget report schedule invoice quarterly release server search index delivery'.split(),
        'de': 'der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden '
              'aus er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur '
              'oder aber vor zur bis mehr durch man sein wurde sei Straße Größe Übersicht Besprechung'.split(),
        'fr': 'le de un être et à il avoir ne je son que se qui ce dans en du elle au pour pas que vous par sur '
              'faire plus dire me on mon lui nous comme mais pouvoir avec tout y aller voir en bien où sans tu ou '
              'leur homme si deux réunion été très déjà après français'.split(),
        'ru': 'и в не на я быть он с что а по это она этот к но они мы как из у который то за свой что весь год '
              'от так о для ты же все тот мочь вы человек такой его сказать только или ещё бы себя один как уже '
              'отчёт встреча бюджет привет письмо'.split(),
        'ja': '日本 会議 報告 予算 今日 明日 東京 大阪 資料 確認 お願い します ありがとう メール 添付 送信 連絡 '
              '担当 予定 変更 会社 社員 部長 課長 営業 開発 品質 問題 対応'.split(),
        'zh': '我们 会议 报告 预算 今天 明天 北京 上海 资料 确认 请 谢谢 邮件 附件 发送 联系 负责 计划 变更 '
              '公司 员工 经理 销售 开发 质量 问题 处理 中文 测试'.split(),
    }
    out = {}
    for lang, words in langs.items():
        extra = []
        if lang in ('en', 'de', 'fr'):
            for _ in range(3000):  # a long tail of rarer words
                extra.append(''.join(rnd.choice(latin) for _ in range(rnd.randint(4, 11))))
        out[lang] = words + extra
    return out


def make_messages(n, rnd):
    voc = vocab(rnd)
    langs = list(voc)
    weights = {lang: [1.0 / (k + 1) for k in range(len(w))] for lang, w in voc.items()}
    msgs = []
    for i in range(n):
        lang = rnd.choices(langs, weights=[50, 15, 12, 10, 7, 6])[0]
        words = voc[lang]
        target = min(60000, int(rnd.lognormvariate(7.8, 0.9)))  # median ~2.4 KB of text
        sep = '' if lang in ('ja', 'zh') else ' '
        chosen = rnd.choices(words, weights=weights[lang], k=max(8, target // 7))
        lines, line = [], []
        for w in chosen:
            line.append(w)
            if len(line) >= 11:
                lines.append(sep.join(line))
                line = []
        lines.append(sep.join(line))
        text = '\r\n'.join(lines)
        subject = sep.join(rnd.choices(words, weights=weights[lang], k=5))
        head = ('From: User %d <user%d@example.org>\r\nTo: alice@example.org\r\nSubject: =?utf-8?B?%s?=\r\n'
                'Date: Mon, %d Jan 2024 10:00:00 +0000\r\nMessage-ID: <m%d@example.org>\r\nMIME-Version: 1.0\r\n'
                % (i % 97, i % 97, __import__('base64').b64encode(subject.encode()).decode(), 1 + i % 28, i))
        kind = i % 10
        if kind < 4:
            body = head + 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n' + text + '\r\n'
        else:
            b = 'b%d' % i
            parts = ['--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n%s\r\n' % (b, text),
                     '--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>%s</p></body></html>\r\n'
                     % (b, text[:2000].replace('\r\n', '<br>\r\n'))]
            if kind == 9:
                blob = __import__('base64').encodebytes(rnd.randbytes(rnd.randint(2000, 40000))).decode()
                parts.append('--%s\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n%s' % (b, blob.replace('\n', '\r\n')))
            body = head + 'Content-Type: multipart/alternative; boundary="%s"\r\n\r\n%s--%s--\r\n' % (b, ''.join(parts), b)
        msgs.append(body.encode())
    en = voc['en']
    # Search words: a frequent one, and long-tail ones of the English list
    # (Zipf ranks ~1000 and ~2500), as a user looks for a name or a term.
    return msgs, {'rare': en[1000], 'rarer': en[2500]}


def deliver(srv, msgs, conns=4):
    errors = []

    def run(chunk):
        try:
            c = loftlib.LMTPClient(srv.lmtp)
            for raw in chunk:
                _, _, data = c.transaction(SENDER, ['alice@example.org'], loftlib.wire_data(raw)[0])
                if [r[0] for r in data.values()] != [250]:
                    errors.append(data)
                    return
            c.quit()
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
    t0 = time.monotonic()
    threads = [threading.Thread(target=run, args=(msgs[k::conns],)) for k in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(3600)
    assert not errors, errors[:3]
    return len(msgs) / (time.monotonic() - t0)


def loft_server(index, sync=True):
    srv = loftlib.LoftServer()
    text = open(srv.config).read()
    if not sync:
        text = text.replace('sync = true', 'sync = false')
    with open(srv.config, 'w') as f:
        f.write(text + '\n[search]\nindex = %s\n' % ('true' if index else 'false'))
    return srv


@contextlib.contextmanager
def loaded_loft(n):
    """A fresh loftd with its index whose one account, alice, holds the N
    generated messages (SEED: the same mailbox every run), indexed; yields
    (server, words)."""
    msgs, words = make_messages(n, random.Random(SEED))
    srv = loft_server(True)
    try:
        srv.start()
        srv.add_user('alice', 'alice-secret')
        deliver(srv, msgs)
        srv.wait_index_caught_up(1, 3600)
        yield srv, words
    finally:
        srv.stop()
        srv.cleanup()


def cpu_seconds(pid):
    with open('/proc/%d/stat' % pid) as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    rnd = random.Random(SEED)
    t0 = time.monotonic()
    msgs, words = make_messages(n, rnd)
    total = sum(len(x) for x in msgs)
    print('generated %d messages, %.1f MB in %.1f s' % (n, total / 1e6, time.monotonic() - t0), flush=True)

    # Delivery rate with the index on and off (fresh servers, alternated).
    rates = {True: [], False: []}
    for index in (True, False, True, False, True, False):
        srv = loft_server(index)
        try:
            srv.start()
            srv.add_user('alice', 'alice-secret')
            rates[index].append(deliver(srv, msgs[:m]))
        finally:
            srv.stop()
            srv.cleanup()
    on, off = statistics.median(rates[True]), statistics.median(rates[False])
    print('LMTP delivery of %d messages: index on %.0f msg/s, off %.0f msg/s (on/off %.2f) runs %s'
          % (m, on, off, on / off, rates), flush=True)
    if os.environ.get('FTS_BENCH_DELIVERY_ONLY'):
        return

    loft, dove = loft_server(True), loftlib.DovecotServer(fsync='never')
    try:
        loft.start()
        loft.add_user('alice', 'alice-secret')
        t0 = time.monotonic()
        deliver(loft, msgs)
        t_del = time.monotonic() - t0
        loft.wait_index_caught_up(1, 7200)
        t_idx = time.monotonic() - t0
        print('loft: delivered %d in %.1f s; index caught up %.1f s after the first delivery' % (n, t_del, t_idx), flush=True)
        # Indexing throughput and size, on the stopped store.
        loft.stop()
        t0, cpu0 = time.monotonic(), resource.getrusage(resource.RUSAGE_CHILDREN)
        r = loft.ctl('index', 'rebuild', '--user', 'alice', timeout=7200)
        t_rebuild, cpu1 = time.monotonic() - t0, resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_rebuild = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
        assert r.returncode == 0, r.stderr
        r = loft.ctl('index', 'optimize', timeout=7200)
        assert r.returncode == 0, r.stderr
        st = loft.ctl('index', 'status', '--user', 'alice').stdout.strip()
        print('indexing (rebuild) %.0f msg/s (%.1f s wall, %.1f s CPU: %.0f msg per CPU second); status after optimize: %s'
              % (n / t_rebuild, t_rebuild, cpu_rebuild, n / max(cpu_rebuild, 0.001), st), flush=True)
        loft.start()
        cache_path = os.environ.get('FTS_BENCH_DOVECOT_CACHE')
        cache = {}
        if cache_path and os.path.exists(cache_path):
            with open(cache_path) as f:
                cache = json.load(f).get(str(n), {})
        if not cache:
            dove.start()
            dove.add_user('alice', 'alice-secret')
            deliver(dove, msgs)
        # Connected only now: loftd closes a connection that has not logged
        # in within its login timeout, and Dovecot's load takes longer.
        conns = {'loft': ImapRaw(loft.imap_implicit)}
        if not cache:
            conns['dovecot'] = ImapRaw(dove.imap_implicit)
        for c in conns.values():
            c.login('alice', 'alice-secret')
            c.cmd('SELECT INBOX')
        rare, rarer = words['rare'], words['rarer']
        queries = ['UID SEARCH BODY "%s"' % rare, 'UID SEARCH BODY "%s"' % rarer,
                   'UID SEARCH BODY "%s"' % rare[1:-1], 'SEARCH TEXT "%s %s"' % (rare, rarer),
                   'UID SEARCH BODY "meeting"', 'UID SEARCH CHARSET UTF-8 BODY "отчёт"', 'UID SEARCH CHARSET UTF-8 BODY "東京"',
                   'SEARCH TEXT "quarterly release"', 'UID SEARCH BODY "eetin"',
                   'UID SEARCH BODY "zz-no-such-word"', 'UID SEARCH SUBJECT "budget"',
                   'UID SEARCH FROM "user42@"']
        for q in queries:
            res = {}
            if cache:
                res['dovecot'] = tuple(cache[q])
            for name, c in conns.items():
                times, hits = [], None
                pid = loft.proc.pid if name == 'loft' else None
                c0 = cpu_seconds(pid) if pid else 0
                runs = 5 if name == 'loft' else int(os.environ.get('FTS_BENCH_DOVECOT_RUNS', '3'))
                for _ in range(runs):
                    t1 = time.monotonic()
                    st, lines = c.cmd(q)
                    times.append(time.monotonic() - t1)
                    assert st == 'OK', (name, q, st)
                    hits = sum(len(l.split()) - 2 for l in lines if (l if isinstance(l, str) else l.decode()).startswith('* SEARCH'))
                cpu = (cpu_seconds(pid) - c0) / runs * 1000 if pid else 0
                res[name] = (statistics.median(times) * 1000, hits, cpu)
            if cache_path and not cache:
                saved = {}
                if os.path.exists(cache_path):
                    with open(cache_path) as f:
                        saved = json.load(f)
                saved.setdefault(str(n), {})[q] = list(res['dovecot'])
                with open(cache_path, 'w') as f:
                    json.dump(saved, f, indent=1)
            same = 'same hits' if res['loft'][1] == res['dovecot'][1] else 'HITS DIFFER'
            print('%-36s %s hits %6d  loft %8.1f ms (cpu %6.1f ms)  dovecot %9.1f ms  ratio %7.1fx'
                  % (q, same, res['loft'][1], res['loft'][0], res['loft'][2], res['dovecot'][0],
                     res['dovecot'][0] / max(res['loft'][0], 0.01)), flush=True)
    finally:
        loft.stop()
        loft.cleanup()
        dove.stop()
        dove.cleanup()


if __name__ == '__main__':
    main()

// imapflow (npm, Node.js) with qresync: true (and CONDSTORE, which imapflow
// enables whenever offered) against the server under test; run by
// test_imapflow_qresync.py, which seeds INBOX with five messages and checks the
// result against a full re-fetch. A first client caches UIDVALIDITY,
// HIGHESTMODSEQ and every message's flags; a second one flags UID 2 and deletes
// UID 3; a third reopens INBOX with mailboxOpen({uidValidity, changedSince})
// (SELECT (QRESYNC ...)) and records the VANISHED (EARLIER) and FETCH it is
// given, fetches with changedSince, then idles while the second client flags UID
// 1 and deletes UID 4 (pushed as FETCH with MODSEQ and VANISHED).
// Prints one JSON object; exits non-zero on any error or timeout.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'x.js'));
const { ImapFlow } = require('imapflow');

const TIMEOUT_MS = 30000;
const config = () => ({
  host: process.env.IMAP_HOST, port: Number(process.env.IMAP_PORT), secure: true,
  auth: { user: process.env.IMAP_USER, pass: process.env.IMAP_PASS }, qresync: true,
  tls: { rejectUnauthorized: false }, logger: process.env.IMAPFLOW_DEBUG ? undefined : false,
  connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: 60000,
});

function waitEvent(client, name, pred, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    const on = (data) => {
      if (!pred(data)) return;
      clearTimeout(timer);
      client.off(name, on);
      resolve(data);
    };
    client.on(name, on);
  });
}

const flagsOf = (set) => [...set].filter((f) => f !== '\\Recent').sort();
const out = {};
const hardStop = setTimeout(() => { console.error('overall timeout'); process.exit(3); }, 6 * TIMEOUT_MS);
try {
  const first = new ImapFlow(config());
  await first.connect();
  out.enabled = [...first.enabled].sort();
  const box = await first.mailboxOpen('INBOX');
  const uidValidity = box.uidValidity;
  const hms = box.highestModseq;
  out.highest_modseq = hms.toString();
  out.cache = {};
  for await (const m of first.fetch('1:*', { uid: true, flags: true })) out.cache[m.uid] = flagsOf(m.flags);
  await first.logout();

  const other = new ImapFlow(config());
  await other.connect();
  await other.mailboxOpen('INBOX');
  await other.messageFlagsAdd('2', ['\\Seen'], { uid: true });
  await other.messageDelete('3', { uid: true });

  const again = new ImapFlow(config());
  const vanished = [];
  const changed = {};
  again.on('expunge', (d) => { if (d.vanished) vanished.push(d.uid); });
  again.on('flags', (d) => { changed[d.uid] = { flags: flagsOf(d.flags), modseq: d.modseq?.toString() }; });
  await again.connect();
  const reopened = await again.mailboxOpen('INBOX', { uidValidity, changedSince: hms });
  out.resync_vanished = [...vanished];
  out.resync_changed = { ...changed };
  out.resync_modseq = reopened.highestModseq.toString();
  out.changed_since = [];
  for await (const m of again.fetch('1:*', { uid: true, flags: true }, { uid: true, changedSince: hms })) {
    out.changed_since.push({ uid: m.uid, modseq: m.modseq?.toString() });
  }

  again.idle().catch((e) => console.error(`idle: ${e}`));
  const sawFlags = waitEvent(again, 'flags', (d) => d.uid === 1, 'FETCH of UID 1 while idling');
  await other.messageFlagsAdd('1', ['\\Answered'], { uid: true });
  const f = await sawFlags;
  out.idle_flags = { uid: f.uid, flags: flagsOf(f.flags), modseq: f.modseq?.toString() };
  const sawVanished = waitEvent(again, 'expunge', (d) => d.vanished && d.uid === 4, 'VANISHED 4 while idling');
  await other.messageDelete('4', { uid: true });
  await sawVanished;
  out.idle_vanished = 4;
  await other.logout();
  await again.logout();
  clearTimeout(hardStop);
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(`imapflow: ${err.stack || err}`);
  if (err.response) console.error(`server said: ${err.response}`);
  console.log(JSON.stringify(out));
  process.exit(1);
}

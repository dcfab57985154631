// imapflow (npm, Node.js) with UTF-8 mailbox names; run by
// test_imapflow_utf8.py. imapflow sends ENABLE UTF8=ACCEPT when offered
// (RFC 6855), then creates, lists, opens, appends to and renames mailboxes
// with non-ASCII names, which go over the wire as UTF-8.
// Prints one JSON object; exits non-zero on any error or timeout.
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'x.js'));
const { ImapFlow } = require('imapflow');

const TIMEOUT_MS = 30000;
const hardStop = setTimeout(() => { console.error('overall timeout'); process.exit(3); }, 4 * TIMEOUT_MS);
const out = {};
try {
  const client = new ImapFlow({
    host: process.env.IMAP_HOST, port: Number(process.env.IMAP_PORT), secure: true,
    auth: { user: process.env.IMAP_USER, pass: process.env.IMAP_PASS },
    tls: { rejectUnauthorized: false }, logger: process.env.IMAPFLOW_DEBUG ? undefined : false,
    connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: 60000,
  });
  await client.connect();
  out.enabled = [...client.enabled].sort();
  await client.mailboxCreate(['Entwürfe', 'Grüße']);
  await client.mailboxCreate('été ☀');
  const msg = 'From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n';
  await client.append('Entwürfe/Grüße', msg, ['\\Seen']);
  const box = await client.mailboxOpen('Entwürfe/Grüße');
  out.opened = box.path;
  out.exists = box.exists;
  await client.mailboxClose();
  await client.mailboxRename('été ☀', 'hiver ❄');
  out.listed = (await client.list()).map((m) => m.path).sort();
  out.status = (await client.status('hiver ❄', { messages: true })).messages;
  await client.logout();
} catch (e) {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
}
clearTimeout(hardStop);
console.log(JSON.stringify(out));

// imapflow (npm, Node.js) against the server under test; run by test_imapflow.py,
// which seeds the account and checks the server afterwards with imaplib.
// Connects over implicit TLS (self-signed test certificate: no verification), lists
// the folders, opens INBOX, fetches envelopes and body structures, appends to
// Archive, moves a message to Archive, and has a second client idling in INBOX see
// the APPEND (an EXISTS) and the MOVE (an EXPUNGE) pushed by the server.
// Prints one JSON object with what it saw; exits non-zero on any error or timeout.
// Environment: IMAP_HOST, IMAP_PORT, IMAP_USER, IMAP_PASS, NODE_PATH (node_modules).
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'x.js'));
const { ImapFlow } = require('imapflow');

const TIMEOUT_MS = 30000;
const config = () => ({
  host: process.env.IMAP_HOST, port: Number(process.env.IMAP_PORT), secure: true,
  auth: { user: process.env.IMAP_USER, pass: process.env.IMAP_PASS },
  tls: { rejectUnauthorized: false }, logger: process.env.IMAPFLOW_DEBUG ? undefined : false, connectionTimeout: TIMEOUT_MS,
  greetingTimeout: TIMEOUT_MS, socketTimeout: 60000, disableAutoIdle: false,
});

// Resolves with the first event `name` on client for which pred(data) holds.
function waitEvent(client, name, pred, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS);
    const on = (data) => {
      if (!pred(data)) return;
      clearTimeout(timer);
      client.off(name, on);
      resolve(data);
    };
    client.on(name, on);
  });
}

function shape(node) {
  // "multipart/mixed(text/plain,application/octet-stream)"
  const kids = node.childNodes ? `(${node.childNodes.map(shape).join(',')})` : '';
  return `${node.type}${kids}`;
}

const out = {};
const main = new ImapFlow(config());
const idler = new ImapFlow(config());
const hardStop = setTimeout(() => { console.error('overall timeout'); process.exit(3); },
  6 * TIMEOUT_MS);
try {
  await main.connect();
  await idler.connect();
  out.folders = (await main.list()).map((b) => b.path).sort();

  const inbox = await main.mailboxOpen('INBOX');
  out.inbox_exists = inbox.exists;  // a copy: imapflow keeps `inbox` up to date
  out.messages = [];
  for await (const m of main.fetch('1:*', { uid: true, flags: true, envelope: true,
    bodyStructure: true })) {
    out.messages.push({ uid: m.uid, flags: [...m.flags].filter((f) => f !== '\\Recent').sort(), subject: m.envelope.subject,
      from: m.envelope.from.map((a) => a.address), message_id: m.envelope.messageId,
      structure: shape(m.bodyStructure) });
  }

  await idler.mailboxOpen('INBOX');
  // IDLE runs until the client needs the connection again: not awaited
  idler.idle().catch((e) => console.error(`idle: ${e}`));
  const sawExists = waitEvent(idler, 'exists', (d) => d.count === out.inbox_exists + 1,
    'EXISTS in the idling session');
  const appendedInbox = await main.append('INBOX', 'From: node@example.com\r\n' +
    'Subject: pushed while idling\r\nMessage-ID: <idle-push@example.com>\r\n\r\nhello\r\n',
    ['\\Flagged']);
  const ex = await sawExists;
  out.idle_exists = ex.count;

  const appended = await main.append('Archive', 'From: node@example.com\r\n' +
    'To: flo@example.org\r\nSubject: appended by imapflow\r\n' +
    'Message-ID: <imapflow-append@example.com>\r\n\r\nappended body\r\n', ['\\Seen']);
  out.append_uid = appended.uid ?? null;
  out.append_inbox_uid = appendedInbox.uid ?? null;

  const beta = out.messages.find((m) => m.subject === 'Beta');
  const sawExpunge = waitEvent(idler, 'expunge', () => true, 'EXPUNGE in the idling session');
  const moved = await main.messageMove(String(beta.uid), 'Archive', { uid: true });
  out.move_ok = Boolean(moved);
  await sawExpunge;
  out.idle_expunge = true;

  const status = await main.status('Archive', { messages: true });
  out.archive_messages = status.messages;
  await idler.logout();
  await main.logout();
  clearTimeout(hardStop);
  console.log(JSON.stringify(out));
} catch (err) {
  console.error(`imapflow: ${err.stack || err}`);
  if (err.response) console.error(`server said: ${err.response}`);
  console.log(JSON.stringify(out));
  process.exit(1);
}

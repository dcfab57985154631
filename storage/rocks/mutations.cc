#include "storage/rocks/mutations.h"

#include <ctime>
#include <map>

#include "base/bytes.h"
#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

constexpr uint32_t kAllFlags = kSeen | kAnswered | kFlagged | kDeleted | kDraft;

Result<std::optional<AccountRecord>> find_account(GroupTxn& txn, const std::string& name) {
  auto v = txn.get(kAccountsCf, name);
  if (!v) return v.error();
  if (!*v) return std::optional<AccountRecord>();
  auto a = decode_account(**v);
  if (!a) return corrupt("account " + name);
  return a;
}

Result<std::optional<MailboxId>> find_mailbox_id(GroupTxn& txn, AccountId account, std::string_view name) {
  auto v = txn.get(kMailboxNamesCf, mailbox_name_key(account, name));
  if (!v) return v.error();
  if (!*v) return std::optional<MailboxId>();
  if ((*v)->size() != 8) return corrupt("mailbox name of account " + std::to_string(account));
  return std::optional<MailboxId>(get_be64((*v)->data()));
}

// Creation time in seconds, but always above the last one handed out, so that
// UIDVALIDITY never repeats within the store (RFC 3501 §2.3.1.1).
uint32_t next_uidvalidity(Counters& c) {
  auto now = static_cast<uint32_t>(std::time(nullptr));
  uint32_t v = now > c.last_uidvalidity ? now : c.last_uidvalidity + 1;
  if (v == 0) v = 1;  // 2106: wrapped; 0 is not a valid UIDVALIDITY
  c.last_uidvalidity = v;
  return v;
}

}  // namespace

// Drops `dropped` references from each blob; a blob left with none is
// deleted, chunks and all, in the same batch.
Result<void> release_blobs(GroupTxn& txn, const std::map<BlobId, uint32_t>& released) {
  for (const auto& [blob_id, dropped] : released) {
    auto blob = txn.blob(blob_id);
    if (!blob) return blob.error();
    if (!*blob) {
      log_warn("storage: message refers to missing blob ", blob_id);
      continue;
    }
    BlobRecord& b = **blob;
    b.refs = b.refs > dropped ? b.refs - dropped : 0;
    if (b.refs > 0) {
      txn.put(kBlobsCf, id_key(blob_id), encode_blob(b));
      continue;
    }
    const uint32_t chunks = chunk_count(b);
    for (uint32_t i = 0; i < chunks; ++i) txn.erase(kChunksCf, chunk_key(blob_id, i));
    txn.erase(kBlobsCf, id_key(blob_id));
  }
  return {};
}

Result<void> CreateAccount::stage(GroupTxn& txn) {
  auto existing = find_account(txn, name);
  if (!existing) return existing.error();
  if (*existing) return make_error(Errc::exists, "account " + name + " already exists");

  Counters& c = txn.counters();
  AccountRecord account{c.next_account++, password_hash};
  MailboxInfo inbox;
  inbox.id = c.next_mailbox++;
  inbox.account = account.id;
  inbox.name = std::string(kInboxName);
  inbox.uidvalidity = next_uidvalidity(c);

  txn.put(kAccountsCf, name, encode_account(account));
  txn.put(kMailboxNamesCf, mailbox_name_key(account.id, kInboxName), id_key(inbox.id));
  txn.put_mailbox(inbox);
  out = Account{account.id, name, password_hash};
  return {};
}

Result<void> SetPassword::stage(GroupTxn& txn) {
  auto account = find_account(txn, name);
  if (!account) return account.error();
  if (!*account) return make_error(Errc::not_found, "no account " + name);
  (*account)->password_hash = password_hash;
  txn.put(kAccountsCf, name, encode_account(**account));
  return {};
}

Result<void> Deliver::stage(GroupTxn& txn) {
  if (accounts.empty()) return make_error(Errc::bad_input, "delivery without recipients");
  // Validate every recipient before staging anything: all or nothing.
  std::vector<MailboxId> inboxes;
  for (AccountId account : accounts) {
    auto inbox = find_mailbox_id(txn, account, kInboxName);
    if (!inbox) return inbox.error();
    if (!*inbox) return make_error(Errc::not_found, "no account with id " + std::to_string(account));
    auto info = txn.mailbox(**inbox);
    if (!info) return info.error();
    if (!*info) return corrupt("INBOX of account " + std::to_string(account) + " has no record");
    if ((*info)->uidnext == UINT32_MAX) return make_error(Errc::limit, "INBOX has run out of UIDs");
    inboxes.push_back(**inbox);
  }

  const BlobId blob = txn.counters().next_blob++;
  txn.put(kBlobsCf, id_key(blob),
          encode_blob(BlobRecord{static_cast<uint32_t>(accounts.size()), body.size, body.chunk_size}));
  for (size_t i = 0; i < body.chunks.size(); ++i)
    txn.put(kChunksCf, chunk_key(blob, static_cast<uint32_t>(i)), std::move(body.chunks[i]));

  out.clear();
  for (size_t i = 0; i < accounts.size(); ++i) {
    // Re-read: the same INBOX may appear twice, or earlier in the group.
    auto info = txn.mailbox(inboxes[i]);
    if (!info) return info.error();
    if (!*info) return corrupt("INBOX of account " + std::to_string(accounts[i]) + " vanished");
    MailboxInfo& mb = **info;
    MessageMeta meta;
    meta.uid = mb.uidnext++;
    meta.modseq = ++mb.highestmodseq;
    meta.internal_date = internal_date;
    meta.size = body.size;
    meta.header_size = body.header_size;
    meta.blob = blob;
    ++mb.messages;
    ++mb.unseen;  // delivered without \Seen
    txn.put(kMessagesCf, message_key(mb.id, meta.uid), encode_message(meta));
    txn.put_mailbox(mb);
    out.push_back(DeliveredCopy{accounts[i], mb.id, meta.uid});
  }
  return {};
}

Result<void> UpdateFlags::stage(GroupTxn& txn) {
  auto info = txn.mailbox(mailbox);
  if (!info) return info.error();
  if (!*info) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(mailbox));
  MailboxInfo& mb = **info;
  const uint32_t mask = flags & kAllFlags;
  // Every message changed by this one request shares one new modseq.
  const uint64_t modseq = mb.highestmodseq + 1;
  bool changed = false;

  out.clear();
  for (uint32_t uid : uids) {
    std::string key = message_key(mailbox, uid);
    auto v = txn.get(kMessagesCf, key);
    if (!v) return v.error();
    if (!*v) continue;  // expunged or never existed: skipped
    auto m = decode_message(uid, **v);
    if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
    uint32_t next = op == FlagOp::add ? (m->flags | mask) : op == FlagOp::remove ? (m->flags & ~mask) : mask;
    if (next != m->flags) {
      const bool was_seen = (m->flags & kSeen) != 0, now_seen = (next & kSeen) != 0;
      if (was_seen && !now_seen) ++mb.unseen;
      if (!was_seen && now_seen && mb.unseen > 0) --mb.unseen;
      m->flags = next;
      m->modseq = modseq;
      txn.put(kMessagesCf, std::move(key), encode_message(*m));
      changed = true;
    }
    out.push_back(MessageSummary{uid, m->flags, m->modseq});
  }
  if (changed) {
    mb.highestmodseq = modseq;
    txn.put_mailbox(mb);
  }
  return {};
}

Result<void> Expunge::stage(GroupTxn& txn) {
  auto info = txn.mailbox(mailbox);
  if (!info) return info.error();
  if (!*info) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(mailbox));
  MailboxInfo& mb = **info;

  out.clear();
  std::map<BlobId, uint32_t> released;
  for (uint32_t uid : uids) {
    std::string key = message_key(mailbox, uid);
    auto v = txn.get(kMessagesCf, key);
    if (!v) return v.error();
    if (!*v) continue;  // already gone (or listed twice): skipped
    auto m = decode_message(uid, **v);
    if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
    ++released[m->blob];
    if (mb.messages > 0) --mb.messages;
    if (!(m->flags & kSeen) && mb.unseen > 0) --mb.unseen;
    txn.erase(kMessagesCf, std::move(key));
    out.push_back(uid);
  }
  if (out.empty()) return {};
  if (auto r = release_blobs(txn, released); !r) return r;
  // RFC 7162 §3.2.10: an expunge raises HIGHESTMODSEQ, so a client that
  // resynchronises sees that something changed.
  ++mb.highestmodseq;
  txn.put_mailbox(mb);
  return {};
}

}  // namespace loft::storage::rocks

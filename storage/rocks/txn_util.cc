#include "storage/rocks/txn_util.h"

#include <ctime>

#include "base/bytes.h"
#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

Result<std::optional<AccountRecord>> stage_find_account(GroupTxn& txn, const std::string& name) {
  auto v = txn.get(kAccountsCf, name);
  if (!v) return v.error();
  if (!*v) return std::optional<AccountRecord>();
  auto a = decode_account(**v);
  if (!a) return corrupt("account " + name);
  return a;
}

Result<std::optional<MailboxId>> stage_find_mailbox_id(GroupTxn& txn, AccountId account, std::string_view name) {
  auto v = txn.get(kMailboxNamesCf, mailbox_name_key(account, stored_name(name)));
  if (!v) return v.error();
  if (!*v) return std::optional<MailboxId>();
  if ((*v)->size() != 8) return corrupt("mailbox name of account " + std::to_string(account));
  return std::optional<MailboxId>(get_be64((*v)->data()));
}

Result<MailboxInfo> stage_mailbox(GroupTxn& txn, MailboxId id) {
  auto m = txn.mailbox(id);
  if (!m) return m.error();
  if (!*m) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(id));
  return std::move(**m);
}

uint32_t next_uidvalidity(Counters& c) {
  auto now = static_cast<uint32_t>(std::time(nullptr));
  uint32_t v = now > c.last_uidvalidity ? now : c.last_uidvalidity + 1;
  if (v == 0) v = 1;  // 2106: wrapped; 0 is not a valid UIDVALIDITY
  c.last_uidvalidity = v;
  return v;
}

MailboxInfo stage_new_mailbox(GroupTxn& txn, AccountId account, std::string_view name, uint32_t special_use) {
  Counters& c = txn.counters();
  MailboxInfo mb;
  mb.id = c.next_mailbox++;
  mb.account = account;
  mb.name = std::string(name);
  mb.uidvalidity = next_uidvalidity(c);
  mb.special_use = special_use;
  txn.put(kMailboxNamesCf, mailbox_name_key(account, name), id_key(mb.id));
  txn.put_mailbox(mb);
  return mb;
}

std::string_view stored_name(std::string_view name) { return iequals(name, kInboxName) ? kInboxName : name; }

Error broken_invariant(const std::string& what) {
  log_error("storage: invariant broken: ", what);
  return make_error(Errc::internal, "store invariant broken: " + what);
}

Result<uint64_t> checked_sub(uint64_t n, uint64_t by, const std::string& what) {
  if (by > n) return broken_invariant(what + " would go below zero (" + std::to_string(n) + " - " + std::to_string(by) + ")");
  return n - by;
}

Result<std::optional<QuotaRecord>> stage_quota(GroupTxn& txn, AccountId account) {
  auto v = txn.get(kQuotasCf, id_key(account));
  if (!v) return v.error();
  if (!*v) return std::optional<QuotaRecord>();
  auto q = decode_quota(**v);
  if (!q) return corrupt("quota of account " + std::to_string(account));
  return q;
}

Result<void> check_quota(GroupTxn& txn, AccountId account, uint64_t bytes, uint64_t messages) {
  auto q = stage_quota(txn, account);
  if (!q) return q.error();
  if (!*q) return {};
  const QuotaRecord& r = **q;
  if (r.byte_limit != 0 && r.bytes + bytes > r.byte_limit)
    return make_error(Errc::no_quota, "over the storage quota of account " + std::to_string(account));
  if (r.message_limit != 0 && r.messages + messages > r.message_limit)
    return make_error(Errc::no_quota, "over the message quota of account " + std::to_string(account));
  return {};
}

Result<void> charge_quota(GroupTxn& txn, AccountId account, bool add, uint64_t bytes, uint64_t messages) {
  auto q = stage_quota(txn, account);
  if (!q) return q.error();
  if (!*q) return {};  // an account from before schema 2: usage not tracked
  QuotaRecord r = **q;
  if (add) {
    r.bytes += bytes;
    r.messages += messages;
  } else {
    const std::string key = "quota of account " + std::to_string(account);
    auto b = checked_sub(r.bytes, bytes, key + " (bytes)");
    if (!b) return b.error();
    auto m = checked_sub(r.messages, messages, key + " (messages)");
    if (!m) return m.error();
    r.bytes = *b;
    r.messages = *m;
  }
  txn.put(kQuotasCf, id_key(account), encode_quota(r));
  return {};
}

void EventRequest::describe(std::vector<MailboxChange>& changes) const {
  for (MailboxChange& c : changes) {
    auto it = events_.find(c.mailbox);
    if (it == events_.end()) continue;
    const MailboxChange& e = it->second;
    c.added.insert(c.added.end(), e.added.begin(), e.added.end());
    c.changed.insert(c.changed.end(), e.changed.begin(), e.changed.end());
    c.expunged.insert(c.expunged.end(), e.expunged.begin(), e.expunged.end());
  }
}

MailboxChange& EventRequest::event(MailboxId mailbox) {
  MailboxChange& e = events_[mailbox];
  e.mailbox = mailbox;
  return e;
}

Result<void> stage_keywords(GroupTxn& txn, MailboxId mailbox, const std::vector<std::string>& keywords) {
  for (const std::string& k : keywords) {
    std::string key = id_name_key(mailbox, k);
    auto v = txn.get(kKeywordsCf, key);
    if (!v) return v.error();
    if (!*v) txn.put(kKeywordsCf, std::move(key), encode_bytes(""));
  }
  return {};
}

Result<void> stage_add_message(GroupTxn& txn, MailboxInfo& mb, MessageMeta& meta, MailboxChange* event) {
  if (mb.uidnext == UINT32_MAX) return make_error(Errc::limit, "mailbox " + mb.name + " has run out of UIDs");
  meta.uid = mb.uidnext++;
  meta.modseq = ++mb.highestmodseq;
  // RFC 8514 §3: the save date is when the message came into this mailbox,
  // whatever its internal date (a copy or a move gets a new one).
  meta.save_date = static_cast<int64_t>(std::time(nullptr));
  ++mb.messages;
  if (!(meta.flags & kSeen)) ++mb.unseen;
  txn.put(kMessagesCf, message_key(mb.id, meta.uid), encode_message(meta));
  txn.put(kChangesCf, change_key(mb.id, meta.modseq, meta.uid), encode_change(ChangeKind::present));
  txn.put(kIndexJobsCf, change_key(mb.id, meta.modseq, meta.uid), encode_index_job({true, mb.account, meta.blob}));
  if (auto r = stage_keywords(txn, mb.id, meta.keywords); !r) return r;
  if (auto r = charge_quota(txn, mb.account, true, meta.size, 1); !r) return r;
  if (event) event->added.push_back(ChangedMessage{meta.uid, meta.flags, meta.modseq, meta.keywords});
  return {};
}

Result<void> stage_remove_message(GroupTxn& txn, MailboxInfo& mb, const MessageMeta& m, uint64_t modseq,
                                  std::map<BlobId, uint32_t>* released, MailboxChange* event) {
  const std::string where = " of mailbox " + std::to_string(mb.id) + " removing uid " + std::to_string(m.uid);
  auto count = checked_sub(mb.messages, 1, "message count" + where);
  if (!count) return count.error();
  mb.messages = static_cast<uint32_t>(*count);
  if (!(m.flags & kSeen)) {
    auto unseen = checked_sub(mb.unseen, 1, "unseen count" + where);
    if (!unseen) return unseen.error();
    mb.unseen = static_cast<uint32_t>(*unseen);
  }
  txn.erase(kMessagesCf, message_key(mb.id, m.uid));
  txn.erase(kChangesCf, change_key(mb.id, m.modseq, m.uid));
  txn.put(kChangesCf, change_key(mb.id, modseq, m.uid), encode_change(ChangeKind::expunged));
  txn.put(kIndexJobsCf, change_key(mb.id, modseq, m.uid), encode_index_job({false, mb.account, m.blob}));
  if (auto r = charge_quota(txn, mb.account, false, m.size, 1); !r) return r;
  ++(*released)[m.blob];
  if (event) event->expunged.push_back(m.uid);
  return {};
}

void stage_message_changed(GroupTxn& txn, MailboxId mailbox, uint64_t old_modseq, const MessageMeta& m) {
  txn.erase(kChangesCf, change_key(mailbox, old_modseq, m.uid));
  txn.put(kChangesCf, change_key(mailbox, m.modseq, m.uid), encode_change(ChangeKind::present));
  txn.put(kMessagesCf, message_key(mailbox, m.uid), encode_message(m));
}

Result<void> release_blobs(GroupTxn& txn, const std::map<BlobId, uint32_t>& released) {
  for (const auto& [blob_id, dropped] : released) {
    auto blob = txn.blob(blob_id);
    if (!blob) return blob.error();
    if (!*blob) return broken_invariant("message refers to missing blob " + std::to_string(blob_id));
    BlobRecord& b = **blob;
    auto refs = checked_sub(b.refs, dropped, "refcount of blob " + std::to_string(blob_id));
    if (!refs) return refs.error();
    b.refs = static_cast<uint32_t>(*refs);
    if (b.refs > 0) {
      txn.put(kBlobsCf, id_key(blob_id), encode_blob(b));
      continue;
    }
    const uint32_t chunks = chunk_count(b);
    for (uint32_t i = 0; i < chunks; ++i) txn.erase(kChunksCf, chunk_key(blob_id, i));
    txn.erase(kBlobsCf, id_key(blob_id));
    txn.erase(kStructuresCf, id_key(blob_id));
  }
  return {};
}

Result<void> add_blob_refs(GroupTxn& txn, const std::map<BlobId, uint32_t>& added) {
  for (const auto& [blob_id, n] : added) {
    auto blob = txn.blob(blob_id);
    if (!blob) return blob.error();
    if (!*blob) return broken_invariant("message refers to missing blob " + std::to_string(blob_id));
    if (uint64_t{(*blob)->refs} + n > UINT32_MAX) return make_error(Errc::limit, "body has too many references");
    (*blob)->refs += n;
    txn.put(kBlobsCf, id_key(blob_id), encode_blob(**blob));
  }
  return {};
}

}  // namespace loft::storage::rocks

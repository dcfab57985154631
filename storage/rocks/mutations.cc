#include "storage/rocks/mutations.h"

#include "base/bytes.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// RFC 6154 §2: the mailboxes every new account gets, besides INBOX.
struct DefaultMailbox {
  std::string_view name;
  uint32_t use;
};
constexpr DefaultMailbox kDefaultMailboxes[] = {
    {"Drafts", kUseDrafts}, {"Sent", kUseSent}, {"Trash", kUseTrash}, {"Junk", kUseJunk}, {"Archive", kUseArchive},
};

}  // namespace

// One target's mailbox, checked: the error is that target's outcome.
Result<MailboxInfo> target_mailbox(GroupTxn& txn, const DeliveryTarget& t, uint64_t size) {
  auto id = stage_find_mailbox_id(txn, t.account, t.mailbox);
  if (!id) return id.error();
  if (!*id) return make_error(Errc::not_found, "no mailbox " + t.mailbox + " in account " + std::to_string(t.account));
  auto mb = stage_mailbox(txn, **id);
  if (!mb) return mb.error().code == Errc::not_found ? corrupt("mailbox " + t.mailbox + " has no record") : mb;
  if (mb->uidnext == UINT32_MAX) return make_error(Errc::limit, "mailbox " + t.mailbox + " has run out of UIDs");
  if (auto q = check_quota(txn, t.account, size, 1); !q) return q.error();
  return mb;
}

// The record of a new message: what the target asks for, and the body's facts.
MessageMeta message_meta(const DeliveryTarget& t, const FinishedBody& body) {
  MessageMeta meta;
  meta.flags = t.flags;
  meta.keywords = t.keywords;
  meta.internal_date = t.internal_date;
  meta.tz_offset_minutes = t.tz_offset_minutes;
  meta.size = body.size;
  meta.header_size = body.header_size;
  meta.blob = body.blob;
  return meta;
}

Result<void> CreateAccount::stage(GroupTxn& txn) {
  auto existing = stage_find_account(txn, name);
  if (!existing) return existing.error();
  if (*existing) return make_error(Errc::exists, "account " + name + " already exists");

  AccountRecord account{txn.counters().next_account++, password_hash};
  txn.put(kAccountsCf, name, encode_account(account));
  stage_new_mailbox(txn, account.id, kInboxName, 0);
  txn.put(kSubscriptionsCf, id_name_key(account.id, kInboxName), encode_bytes(""));
  for (const DefaultMailbox& d : kDefaultMailboxes) {
    stage_new_mailbox(txn, account.id, d.name, d.use);
    txn.put(kSubscriptionsCf, id_name_key(account.id, d.name), encode_bytes(""));
  }
  txn.put(kQuotasCf, id_key(account.id), encode_quota(QuotaRecord{}));
  out = Account{account.id, name, password_hash};
  return {};
}

Result<void> SetPassword::stage(GroupTxn& txn) {
  auto account = stage_find_account(txn, name);
  if (!account) return account.error();
  if (!*account) return make_error(Errc::not_found, "no account " + name);
  (*account)->password_hash = password_hash;
  txn.put(kAccountsCf, name, encode_account(**account));
  return {};
}

Result<void> LinkBody::stage(GroupTxn& txn) {
  out.clear();
  linked = 0;
  // Each target is checked and staged in turn, so a later target sees the
  // quota and UIDs of earlier ones; a failing target stages nothing.
  for (const DeliveryTarget& t : targets) {
    auto mb = target_mailbox(txn, t, body.size);
    if (!mb) {
      const Errc code = mb.error().code;
      if (code == Errc::temp || code == Errc::internal) return mb.error();
      out.emplace_back(mb.error());
      continue;
    }
    MessageMeta meta = message_meta(t, body);
    if (auto r = stage_add_message(txn, *mb, meta, &event(mb->id)); !r) return r;
    txn.put_mailbox(*mb);
    out.emplace_back(DeliveredCopy{t.account, mb->id, meta.uid, mb->uidvalidity});
    ++linked;
  }
  if (linked == 0) return {};
  txn.put(kBlobsCf, id_key(body.blob), encode_blob(BlobRecord{linked, body.size, body.chunk_size}));
  if (!body.structure.empty()) txn.put(kStructuresCf, id_key(body.blob), encode_bytes(body.structure));
  txn.erase(kPendingCf, id_key(body.blob));
  return {};
}

void settle_body(RocksBodyWriter& writer, bool committed, uint32_t linked) {
  if (linked == 0) writer.discard();  // no message refers to it, whatever the outcome
  else if (committed) writer.mark_linked();
  else writer.keep_pending();
}

Result<void> LinkBodies::stage(GroupTxn& txn) {
  out.clear();
  staged = false;
  // In order, so each target sees the UIDs and quota usage of the earlier
  // ones; any failure fails the whole request (RFC 3502 §6: atomic).
  for (size_t i = 0; i < bodies.size(); ++i) {
    const FinishedBody& body = bodies[i];
    const DeliveryTarget& t = targets[i];
    auto mb = target_mailbox(txn, t, body.size);
    if (!mb) return mb.error();
    MessageMeta meta = message_meta(t, body);
    if (auto r = stage_add_message(txn, *mb, meta, &event(mb->id)); !r) return r;
    txn.put_mailbox(*mb);
    out.push_back(DeliveredCopy{t.account, mb->id, meta.uid, mb->uidvalidity});
    txn.put(kBlobsCf, id_key(body.blob), encode_blob(BlobRecord{1, body.size, body.chunk_size}));
    if (!body.structure.empty()) txn.put(kStructuresCf, id_key(body.blob), encode_bytes(body.structure));
    txn.erase(kPendingCf, id_key(body.blob));
  }
  staged = true;
  return {};
}

}  // namespace loft::storage::rocks

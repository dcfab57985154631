#include "storage/rocks/metadata_ops.h"

#include "base/bytes.h"
#include "storage/rocks/status.h"
#include "storage/rocks/txn_util.h"

namespace loft::storage::rocks {

namespace {

constexpr char kUsageVersion = 1;

// The account's usage; an absent row is no usage.
Result<MetadataUsage> stage_usage(GroupTxn& txn, AccountId account) {
  auto v = txn.get(kMetadataCf, metadata_usage_key(account));
  if (!v) return v.error();
  if (!*v) return MetadataUsage{};
  auto u = decode_metadata_usage(**v);
  if (!u) return corrupt("metadata usage of account " + std::to_string(account));
  return *u;
}

void put_usage(GroupTxn& txn, AccountId account, const MetadataUsage& u) {
  if (u.entries == 0 && u.bytes == 0) txn.erase(kMetadataCf, metadata_usage_key(account));
  else txn.put(kMetadataCf, metadata_usage_key(account), encode_metadata_usage(u));
}

// The scope exists and is the account's (never another account's mailbox).
Result<void> check_scope(GroupTxn& txn, AccountId account, MailboxId mailbox) {
  if (mailbox == 0) {
    // The account exists exactly when its INBOX row does (docs/storage.md).
    auto inbox = stage_find_mailbox_id(txn, account, kInboxName);
    if (!inbox) return inbox.error();
    if (!*inbox) return make_error(Errc::not_found, "no account with id " + std::to_string(account));
    return {};
  }
  auto mb = stage_mailbox(txn, mailbox);
  if (!mb) return mb.error();
  // Never another account's mailbox, whatever id the caller holds.
  if (mb->account != account) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(mailbox));
  return {};
}

}  // namespace

std::string metadata_prefix(AccountId account, MailboxId mailbox) {
  std::string k(1, mailbox == 0 ? kMetaServer : kMetaMailbox);
  put_be64(&k, mailbox == 0 ? account : mailbox);
  return k;
}

std::string metadata_usage_key(AccountId account) {
  std::string k(1, kMetaUsage);
  put_be64(&k, account);
  return k;
}

std::string encode_metadata_usage(const MetadataUsage& u) {
  std::string v(1, kUsageVersion);
  put_be64(&v, u.entries);
  put_be64(&v, u.bytes);
  return v;
}

std::optional<MetadataUsage> decode_metadata_usage(std::string_view v) {
  if (v.size() != 17 || v[0] != kUsageVersion) return std::nullopt;
  return MetadataUsage{get_be64(v.data() + 1), get_be64(v.data() + 9)};
}

void SetMetadata::describe(std::vector<MailboxChange>& changes) const {
  ListChange c{ListChange::Kind::metadata, mailbox, {}, {}, {}};
  for (const MetadataWrite& w : writes) c.entries.push_back(w.name);
  changes.push_back(list_change(account, std::move(c)));
}

Result<void> SetMetadata::stage(GroupTxn& txn) {
  if (auto r = check_scope(txn, account, mailbox); !r) return r;
  auto usage = stage_usage(txn, account);
  if (!usage) return usage.error();
  const MetadataUsage before = *usage;
  MetadataUsage u = before;
  const std::string prefix = metadata_prefix(account, mailbox);
  for (const MetadataWrite& w : writes) {
    const std::string name = ascii_lower(w.name);
    if (name.empty()) return make_error(Errc::bad_input, "empty annotation name");
    if (w.value && limits.max_value && w.value->size() > limits.max_value)
      return make_error(Errc::too_big, "annotation value of " + std::to_string(w.value->size()) + " bytes");
    std::string key = prefix + name;
    auto old = txn.get(kMetadataCf, key);
    if (!old) return old.error();
    if (*old) {
      auto bytes = decode_bytes(**old);
      if (!bytes) return corrupt("annotation " + name);
      auto e = checked_sub(u.entries, 1, "metadata entries of account " + std::to_string(account));
      if (!e) return e.error();
      auto b = checked_sub(u.bytes, name.size() + bytes->size(), "metadata bytes of account " + std::to_string(account));
      if (!b) return b.error();
      u.entries = *e;
      u.bytes = *b;
    }
    if (w.value) {
      u.entries += 1;
      u.bytes += name.size() + w.value->size();
      txn.put(kMetadataCf, std::move(key), encode_bytes(*w.value));
    } else if (*old) {
      txn.erase(kMetadataCf, std::move(key));
    }
  }
  // Only growth is refused: an account above a lowered bound may still shrink.
  if (limits.max_entries && u.entries > limits.max_entries && u.entries > before.entries)
    return make_error(Errc::limit, "too many annotations");
  if (limits.max_bytes && u.bytes > limits.max_bytes && u.bytes > before.bytes)
    return make_error(Errc::limit, "annotations too large in total");
  put_usage(txn, account, u);
  return {};
}

Result<void> stage_drop_mailbox_metadata(GroupTxn& txn, AccountId account, MailboxId mailbox, bool charge) {
  const std::string prefix = metadata_prefix(account, mailbox);
  auto rows = txn.scan(kMetadataCf, prefix);
  if (!rows) return rows.error();
  if (rows->empty()) return {};
  MetadataUsage u;
  if (charge) {
    auto usage = stage_usage(txn, account);
    if (!usage) return usage.error();
    u = *usage;
  }
  for (const auto& [key, value] : *rows) {
    if (charge) {
      auto e = checked_sub(u.entries, 1, "metadata entries of account " + std::to_string(account));
      if (!e) return e.error();
      // Value rows are v + value: the name and value bytes are key + value - 1 - prefix.
      auto b = checked_sub(u.bytes, key.size() - prefix.size() + value.size() - 1,
                           "metadata bytes of account " + std::to_string(account));
      if (!b) return b.error();
      u.entries = *e;
      u.bytes = *b;
    }
    txn.erase(kMetadataCf, key);
  }
  if (charge) put_usage(txn, account, u);
  return {};
}

Result<void> stage_drop_account_metadata(GroupTxn& txn, AccountId account) {
  auto rows = txn.scan(kMetadataCf, metadata_prefix(account, 0));
  if (!rows) return rows.error();
  for (const auto& row : *rows) txn.erase(kMetadataCf, row.first);
  txn.erase(kMetadataCf, metadata_usage_key(account));
  return {};
}

}  // namespace loft::storage::rocks

// RocksStore's annotation calls (RFC 5464 data, docs/storage.md "metadata"):
// writes through the committer (SetMetadata), reads on one snapshot.
#include <algorithm>

#include "base/bytes.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/metadata_ops.h"
#include "storage/rocks/read_util.h"
#include "storage/rocks/rocks_store.h"

namespace loft::storage::rocks {

namespace {

// The scope exists and is the account's: its INBOX row for server
// annotations, the mailbox record's owner for a mailbox.
Result<void> check_scope(const Db& db, AccountId account, MailboxId mailbox, const rocksdb::ReadOptions& ro) {
  if (mailbox == 0) {
    auto inbox = db.get(kMailboxNamesCf, mailbox_name_key(account, kInboxName), ro);
    if (!inbox) return inbox.error();
    if (!*inbox) return make_error(Errc::not_found, "no account with id " + std::to_string(account));
    return {};
  }
  auto mb = read_mailbox(db, mailbox, ro);
  if (!mb) return mb.error();
  if (mb->account != account) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(mailbox));
  return {};
}

}  // namespace

Result<void> RocksStore::set_metadata(AccountId account, MailboxId mailbox, std::span<const MetadataWrite> writes,
                                      const MetadataLimits& limits) {
  SetMetadata r;
  r.account = account;
  r.mailbox = mailbox;
  r.writes.assign(writes.begin(), writes.end());
  r.limits = limits;
  return committer_->run(r);
}

Result<std::vector<MetadataEntry>> RocksStore::get_metadata(AccountId account, MailboxId mailbox,
                                                            std::string_view name, MetadataDepth depth) {
  Snapshot snap(db_->db());
  if (auto r = check_scope(*db_, account, mailbox, snap.ro); !r) return r.error();
  const std::string prefix = metadata_prefix(account, mailbox);
  const std::string lower = ascii_lower(name);
  std::vector<MetadataEntry> out;
  bool corrupt_row = false;
  auto keep = [&](std::string_view key, std::string_view value) {
    auto bytes = decode_bytes(value);
    if (!bytes) {
      corrupt_row = true;
      return false;
    }
    out.push_back(MetadataEntry{std::string(key.substr(prefix.size())), std::move(*bytes)});
    return true;
  };
  auto self = db_->get(kMetadataCf, prefix + lower, snap.ro);
  if (!self) return self.error();
  if (*self && !keep(prefix + lower, **self)) return corrupt("annotation " + lower);
  if (depth != MetadataDepth::exact) {
    // "name/..." sorts after "name" and every row below it shares the prefix.
    const std::string below = prefix + lower + "/";
    auto done = scan(*db_, kMetadataCf, below, snap.ro, [&](std::string_view key, std::string_view value) {
      // DEPTH 1 (RFC 5464 §4.2.2): only names one level below.
      if (depth == MetadataDepth::children && key.substr(below.size()).find('/') != std::string_view::npos)
        return true;
      return keep(key, value);
    });
    if (!done) return done.error();
    if (corrupt_row) return corrupt("annotation below " + lower);
  }
  return out;
}

Result<MetadataUsage> RocksStore::metadata_usage(AccountId account) {
  auto v = db_->get(kMetadataCf, metadata_usage_key(account));
  if (!v) return v.error();
  if (!*v) return MetadataUsage{};
  auto u = decode_metadata_usage(**v);
  if (!u) return corrupt("metadata usage of account " + std::to_string(account));
  return *u;
}

}  // namespace loft::storage::rocks

#include "storage/rocks/group_txn.h"

#include <memory>

#include "base/bytes.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {
rocksdb::Slice slice(const std::string& s) { return rocksdb::Slice(s.data(), s.size()); }
}  // namespace

Result<std::optional<std::string>> GroupTxn::get(Cf cf, const std::string& key) const {
  auto it = staged_[cf].find(key);
  if (it != staged_[cf].end()) return it->second;
  return db_.get(cf, key);
}

Result<std::vector<std::pair<std::string, std::string>>> GroupTxn::scan(Cf cf, const std::string& prefix) const {
  std::map<std::string, std::string> merged;
  const std::string end = prefix_end(prefix);
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper = slice(end);
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_.db()->NewIterator(ro, db_.cf(cf)));
  for (it->Seek(slice(prefix)); it->Valid(); it->Next())
    merged.emplace(it->key().ToString(), it->value().ToString());
  if (!it->status().ok()) return to_error(it->status(), std::string("scanning ") + kCfNames[cf]);

  const Overlay& staged = staged_[cf];
  auto last = end.empty() ? staged.end() : staged.lower_bound(end);
  for (auto s = staged.lower_bound(prefix); s != last; ++s) {
    if (s->second) merged[s->first] = *s->second;
    else merged.erase(s->first);
  }
  return std::vector<std::pair<std::string, std::string>>(merged.begin(), merged.end());
}

void GroupTxn::put(Cf cf, std::string key, std::string value) { staged_[cf][std::move(key)] = std::move(value); }

void GroupTxn::erase(Cf cf, std::string key) { staged_[cf][std::move(key)] = std::nullopt; }

Result<std::optional<MailboxInfo>> GroupTxn::mailbox(MailboxId id) const {
  auto v = get(kMailboxesCf, id_key(id));
  if (!v) return v.error();
  if (!*v) return std::optional<MailboxInfo>();
  auto m = decode_mailbox(id, **v);
  if (!m) return corrupt("mailbox " + std::to_string(id));
  return m;
}

void GroupTxn::put_mailbox(const MailboxInfo& info) {
  put(kMailboxesCf, id_key(info.id), encode_mailbox(info));
  touched_.insert(info.id);
}

void GroupTxn::erase_mailbox(MailboxId id) {
  erase(kMailboxesCf, id_key(id));
  touched_.insert(id);
}

Result<std::optional<BlobRecord>> GroupTxn::blob(BlobId id) const {
  auto v = get(kBlobsCf, id_key(id));
  if (!v) return v.error();
  if (!*v) return std::optional<BlobRecord>();
  auto b = decode_blob(**v);
  if (!b) return corrupt("blob " + std::to_string(id));
  return b;
}

Result<void> GroupTxn::build(const Counters& committed, rocksdb::WriteBatch* batch) const {
  for (size_t i = 0; i < kCfCount; ++i) {
    auto* cf = db_.cf(static_cast<Cf>(i));
    for (const auto& [key, value] : staged_[i]) {
      // Fails only when a key or value exceeds 4 GiB.
      rocksdb::Status s = value ? batch->Put(cf, slice(key), slice(*value)) : batch->Delete(cf, slice(key));
      if (!s.ok()) return to_error(s, "building the commit batch");
    }
  }
  const Counters& c = counters_;
  if (c.next_account != committed.next_account || c.next_mailbox != committed.next_mailbox ||
      c.next_blob != committed.next_blob || c.last_uidvalidity != committed.last_uidvalidity) {
    rocksdb::Status s = batch->Put(db_.cf(kMetaCf), std::string(kCountersKey), encode_counters(c));
    if (!s.ok()) return to_error(s, "building the commit batch");
  }
  return {};
}

std::vector<MailboxInfo> GroupTxn::touched_mailboxes() const {
  std::vector<MailboxInfo> out;
  for (MailboxId id : touched_) {
    auto it = staged_[kMailboxesCf].find(id_key(id));
    if (it == staged_[kMailboxesCf].end() || !it->second) continue;  // deleted
    if (auto m = decode_mailbox(id, *it->second)) out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace loft::storage::rocks

#include "storage/rocks/group_txn.h"

#include <algorithm>
#include <memory>

#include "base/bytes.h"
#include "storage/rocks/read_util.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {
size_t entry_bytes(const std::string& key, const std::optional<std::string>& value) {
  return key.size() + (value ? value->size() : 0);
}
}  // namespace

Result<std::optional<std::string>> GroupTxn::get(Cf cf, const std::string& key) const {
  auto it = staged_[cf].find(key);
  if (it != staged_[cf].end()) return it->second;
  return db_.get(cf, key);
}

Result<std::vector<std::pair<std::string, std::string>>> GroupTxn::scan(Cf cf, const std::string& prefix,
                                                                        size_t limit) const {
  return scan_range(cf, prefix, prefix_end(prefix), limit);
}

Result<std::vector<std::pair<std::string, std::string>>> GroupTxn::scan_range(Cf cf, const std::string& from,
                                                                              const std::string& end,
                                                                              size_t limit) const {
  std::vector<std::pair<std::string, std::string>> out;
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper = as_slice(end);
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db_.db()->NewIterator(ro, db_.cf(cf)));
  it->Seek(as_slice(from));

  // A merge of two sorted sequences; on equal keys the overlay wins (a staged
  // delete hides the stored row).
  const Overlay& staged = staged_[cf];
  auto s = staged.lower_bound(from);
  const auto last = end.empty() ? staged.end() : staged.lower_bound(end);
  while (out.size() < limit) {
    const bool db_valid = it->Valid(), staged_valid = s != last;
    if (!db_valid && !staged_valid) break;
    const int cmp = !db_valid ? 1 : !staged_valid ? -1 : it->key().compare(as_slice(s->first));
    if (cmp < 0) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
      it->Next();
      continue;
    }
    if (s->second) out.emplace_back(s->first, *s->second);
    if (cmp == 0) it->Next();
    ++s;
  }
  if (!it->status().ok()) return to_error(it->status(), std::string("scanning ") + kCfNames[cf]);
  return out;
}

void GroupTxn::stage(Cf cf, std::string key, std::optional<std::string> value) {
  Overlay& overlay = staged_[cf];
  auto it = overlay.find(key);
  const size_t added = entry_bytes(key, value);
  if (it == overlay.end()) {
    staged_bytes_ += added;
    it = overlay.emplace(std::move(key), std::move(value)).first;
    if (has_savepoint_ && !from_empty_) undo_.push_back(Undo{cf, it, false, std::nullopt});
    return;
  }
  staged_bytes_ = staged_bytes_ - entry_bytes(it->first, it->second) + added;
  if (has_savepoint_ && !from_empty_) undo_.push_back(Undo{cf, it, true, std::move(it->second)});
  it->second = std::move(value);
}

void GroupTxn::put(Cf cf, std::string key, std::string value) { stage(cf, std::move(key), std::move(value)); }

void GroupTxn::erase(Cf cf, std::string key) { stage(cf, std::move(key), std::nullopt); }

void GroupTxn::set_savepoint() {
  has_savepoint_ = true;
  undo_.clear();
  // With nothing staged yet (the group's first request: often the only one,
  // and the one a STORE of 100,000 messages is), going back means emptying
  // the overlay: no undo entry needs to be kept for each row.
  from_empty_ = true;
  for (const Overlay& o : staged_) from_empty_ = from_empty_ && o.empty();
  saved_counters_ = counters_;
  saved_touched_ = touched_;
  saved_bytes_ = staged_bytes_;
}

void GroupTxn::rollback_to_savepoint() {
  if (!has_savepoint_) return;
  if (from_empty_) {
    for (Overlay& o : staged_) o.clear();
  }
  // Newest first, so a key staged twice since the savepoint ends at its oldest value.
  for (auto u = undo_.rbegin(); u != undo_.rend(); ++u) {
    if (u->was_staged) u->entry->second = std::move(u->value);
    else staged_[u->cf].erase(u->entry);
  }
  undo_.clear();
  counters_ = saved_counters_;
  touched_ = saved_touched_;
  staged_bytes_ = saved_bytes_;
}

Result<std::optional<MailboxInfo>> GroupTxn::mailbox(MailboxId id) const {
  auto v = get(kMailboxesCf, id_key(id));
  if (!v) return v.error();
  if (!*v) return std::optional<MailboxInfo>();
  auto m = decode_mailbox(id, **v);
  if (!m) return corrupt("mailbox " + std::to_string(id));
  if (floors_ != nullptr) {
    if (auto f = floors_->find(id); f != floors_->end()) {
      m->uidnext = std::max(m->uidnext, f->second.uidnext);
      m->highestmodseq = std::max(m->highestmodseq, f->second.highestmodseq);
    }
  }
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

size_t GroupTxn::batch_bytes() const {
  // A record: type byte, column family id, two varint lengths (at most 5
  // bytes each up to 4 GiB); 12 bytes of batch header; the counters row.
  constexpr size_t kPerRecord = 1 + 5 + 5 + 5;
  size_t records = 0;
  for (const Overlay& o : staged_) records += o.size();
  return 12 + staged_bytes_ + kPerRecord * records + 64;
}

Result<void> GroupTxn::build(const Counters& persisted, rocksdb::WriteBatch* batch) const {
  for (size_t i = 0; i < kCfCount; ++i) {
    auto* cf = db_.cf(static_cast<Cf>(i));
    for (const auto& [key, value] : staged_[i]) {
      // Fails only when a key or value exceeds 4 GiB.
      rocksdb::Status s = value ? batch->Put(cf, as_slice(key), as_slice(*value)) : batch->Delete(cf, as_slice(key));
      if (!s.ok()) return to_error(s, "building the commit batch");
    }
  }
  const Counters& c = counters_;
  if (c.next_account != persisted.next_account || c.next_mailbox != persisted.next_mailbox ||
      c.next_blob != persisted.next_blob || c.last_uidvalidity != persisted.last_uidvalidity) {
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

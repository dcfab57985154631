// Loading the Inventory for Store::check: one pass over each column family,
// all through one snapshot so that the checks see one consistent state.
#include <rocksdb/snapshot.h>

#include <memory>

#include "base/bytes.h"
#include "storage/rocks/check.h"
#include "storage/rocks/db.h"
#include "storage/rocks/purge.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// Calls f(key, value) for every key of cf; f returns false for a record that
// does not decode, which is remembered in inv.bad.
template <class F>
Result<void> scan_all(const Db& db, const rocksdb::ReadOptions& ro, Cf cf, Inventory& inv, F f) {
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.cf(cf)));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key = it->key().ToStringView();
    if (!f(key, it->value().ToStringView())) inv.bad.push_back(BadRecord{cf, std::string(key)});
  }
  if (!it->status().ok()) return to_error(it->status(), std::string("checking ") + kCfNames[cf]);
  return {};
}

}  // namespace

Result<Inventory> load_inventory(const Db& db) {
  rocksdb::ManagedSnapshot snap(db.db());
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.snapshot();
  ro.fill_cache = false;  // a full scan would evict what the server reads
  Inventory inv;

  auto meta = scan_all(db, ro, kMetaCf, inv, [&](std::string_view key, std::string_view value) {
    if (key == kBlobIdsKey) {
      auto end = decode_u64(value);
      inv.blob_ids_end = end.value_or(0);
      return end.has_value();
    }
    if (key == kObjectKeyKey) {
      auto k = decode_bytes(value);
      return k && k->size() == kObjectKeySize;
    }
    if (key.substr(0, kPurgePrefix.size()) == kPurgePrefix) {
      auto p = decode_purge_marker(key, value);
      if (p) inv.purging.emplace(p->mailbox.id, std::move(p->mailbox));
      return p.has_value();
    }
    if (key != kCountersKey) return false;
    inv.counters = decode_counters(value);
    return inv.counters.has_value();
  });
  if (!meta) return meta.error();

  auto accounts = scan_all(db, ro, kAccountsCf, inv, [&](std::string_view key, std::string_view value) {
    auto a = decode_account(value);
    if (!a || key.empty()) return false;
    inv.accounts.emplace(std::string(key), std::move(*a));
    return true;
  });
  if (!accounts) return accounts.error();

  auto names = scan_all(db, ro, kMailboxNamesCf, inv, [&](std::string_view key, std::string_view value) {
    if (key.size() <= 8 || value.size() != 8) return false;
    inv.names.push_back(NameRow{get_be64(key.data()), std::string(key.substr(8)), get_be64(value.data())});
    return true;
  });
  if (!names) return names.error();

  auto mailboxes = scan_all(db, ro, kMailboxesCf, inv, [&](std::string_view key, std::string_view value) {
    if (key.size() != 8) return false;
    auto m = decode_mailbox(get_be64(key.data()), value);
    if (!m) return false;
    inv.mailboxes.emplace(m->id, MailboxRow{std::move(*m), std::string(value)});
    return true;
  });
  if (!mailboxes) return mailboxes.error();

  auto messages = scan_all(db, ro, kMessagesCf, inv, [&](std::string_view key, std::string_view value) {
    if (key.size() != 12) return false;
    auto m = decode_message(get_be32(key.data() + 8), value);
    if (!m) return false;
    inv.messages.push_back(
        MessageRow{get_be64(key.data()), m->uid, m->modseq, m->flags, m->size, m->header_size, m->blob});
    return true;
  });
  if (!messages) return messages.error();

  auto blobs = scan_all(db, ro, kBlobsCf, inv, [&](std::string_view key, std::string_view value) {
    if (key.size() != 8) return false;
    auto b = decode_blob(value);
    if (!b) return false;
    inv.blobs.emplace(get_be64(key.data()), BlobRow{*b, std::string(value)});
    return true;
  });
  if (!blobs) return blobs.error();

  // Only the keys matter here; chunk payloads are checked by reading bodies.
  auto chunks = scan_all(db, ro, kChunksCf, inv, [&](std::string_view key, std::string_view) {
    if (key.size() != 12) return false;
    inv.chunks[get_be64(key.data())].push_back(get_be32(key.data() + 8));
    return true;
  });
  if (!chunks) return chunks.error();

  auto pending = scan_all(db, ro, kPendingCf, inv, [&](std::string_view key, std::string_view value) {
    if (key.size() != 8 || !decode_bytes(value)) return false;
    inv.pending.insert(get_be64(key.data()));
    inv.pending_raw.emplace(get_be64(key.data()), std::string(value));
    return true;
  });
  if (!pending) return pending.error();

  // Rows that no check needs beyond decoding: a bad one is a record-format finding.
  for (Cf cf : {kStructuresCf, kSubscriptionsCf, kKeywordsCf}) {
    auto rows = scan_all(db, ro, cf, inv, [&](std::string_view key, std::string_view value) {
      return (cf == kStructuresCf ? key.size() == 8 : key.size() > 8) && decode_bytes(value).has_value();
    });
    if (!rows) return rows.error();
  }

  auto changes = scan_all(db, ro, kChangesCf, inv, [&](std::string_view key, std::string_view value) {
    auto kind = decode_change(value);
    if (key.size() != 20 || !kind) return false;
    LogRow row;
    row.mailbox = get_be64(key.data());
    row.modseq = get_be64(key.data() + 8);
    row.uid = get_be32(key.data() + 16);
    row.kind = *kind;
    inv.changes.push_back(std::move(row));
    return true;
  });
  if (!changes) return changes.error();

  auto quotas = scan_all(db, ro, kQuotasCf, inv, [&](std::string_view key, std::string_view value) {
    auto q = decode_quota(value);
    if (key.size() != 8 || !q) return false;
    inv.quotas.emplace(get_be64(key.data()), QuotaRow{*q, std::string(value)});
    return true;
  });
  if (!quotas) return quotas.error();

  auto jobs = scan_all(db, ro, kIndexJobsCf, inv, [&](std::string_view key, std::string_view value) {
    auto j = decode_index_job(value);
    if (key.size() != 20 || !j) return false;
    LogRow row;
    row.mailbox = get_be64(key.data());
    row.modseq = get_be64(key.data() + 8);
    row.uid = get_be32(key.data() + 16);
    row.job = *j;
    row.raw = std::string(value);
    inv.index_jobs.push_back(std::move(row));
    return true;
  });
  if (!jobs) return jobs.error();
  return inv;
}

}  // namespace loft::storage::rocks

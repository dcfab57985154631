// Read helpers for the RocksStore's non-mutating calls: snapshots, bounded
// range scans and typed point reads straight from the database.
#pragma once

#include <memory>
#include <string>

#include <rocksdb/db.h>
#include <rocksdb/snapshot.h>

#include "storage/rocks/db.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

inline rocksdb::Slice as_slice(const std::string& s) { return rocksdb::Slice(s.data(), s.size()); }

// A consistent view across several reads.
struct Snapshot {
  explicit Snapshot(rocksdb::DB* db) : snap(db) { ro.snapshot = snap.snapshot(); }
  rocksdb::ManagedSnapshot snap;
  rocksdb::ReadOptions ro;
};

// Calls f(key, value) for every key in [from, to) (to empty: no bound); stops
// early if f returns false. Holds one entry at a time.
template <class F>
Result<void> scan_range(const Db& db, Cf cf, const std::string& from, const std::string& to, rocksdb::ReadOptions ro,
                        F f) {
  rocksdb::Slice upper = as_slice(to);
  if (!to.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.cf(cf)));
  for (it->Seek(as_slice(from)); it->Valid(); it->Next())
    if (!f(it->key().ToStringView(), it->value().ToStringView())) break;
  if (!it->status().ok()) return to_error(it->status(), std::string("scanning ") + kCfNames[cf]);
  return {};
}

// scan_range over every key starting with prefix.
template <class F>
Result<void> scan(const Db& db, Cf cf, const std::string& prefix, const rocksdb::ReadOptions& ro, F f) {
  return scan_range(db, cf, prefix, prefix_end(prefix), ro, std::move(f));
}

// The mailbox record, or Errc::not_found.
Result<MailboxInfo> read_mailbox(const Db& db, MailboxId id, const rocksdb::ReadOptions& ro);
// The blob record, or Errc::not_found.
Result<BlobRecord> read_blob(const Db& db, BlobId id, const rocksdb::ReadOptions& ro);

}  // namespace loft::storage::rocks

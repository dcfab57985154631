// The open RocksDB database and its column family handles, with the options
// a mail server wants (bounded memory, lz4 for metadata, BlobDB for chunks),
// and what RocksDB reports about its own health (background errors, stalls).
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <rocksdb/db.h>

#include "base/result.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/tuning.h"

namespace loft::storage::rocks {

class DbEvents;

class Db {
 public:
  // Opens (creating if missing) the database in `path`.
  static Result<std::unique_ptr<Db>> open(const std::string& path, const Tuning& tuning = {});
  // Releases the column families and closes the database.
  ~Db();

  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return cfs_[which]; }

  // Reads one key; nullopt when absent.
  Result<std::optional<std::string>> get(Cf which, std::string_view key,
                                         const rocksdb::ReadOptions& options = {}) const;
  // Reads many keys of one column family in one batched lookup (RocksDB's
  // MultiGet: memtables, filters and blocks are visited once per batch, not
  // once per key); one entry per key, in order, nullopt where absent.
  Result<std::vector<std::optional<std::string>>> multi_get(Cf which, std::span<const std::string> keys,
                                                            const rocksdb::ReadOptions& options = {}) const;

  // The first background error RocksDB raised with severity kHardError or
  // worse (writes stop until a restart), or nullopt. Set from RocksDB's
  // threads through EventListener::OnBackgroundError.
  std::optional<std::string> background_error() const;
  // How many times RocksDB entered a delayed or stopped write condition.
  uint64_t write_stalls() const;

 private:
  Db() = default;
  std::shared_ptr<DbEvents> events_;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cfs_{};
};

}  // namespace loft::storage::rocks

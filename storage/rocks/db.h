// The open RocksDB database and its column family handles, with the options
// a mail server wants (bounded memory, lz4 for metadata, BlobDB for chunks).
#pragma once

#include <array>
#include <memory>
#include <string>

#include <rocksdb/db.h>

#include "base/result.h"
#include "storage/rocks/keys.h"

namespace loft::storage::rocks {

class Db {
 public:
  // Opens (creating if missing) the database in `path`.
  static Result<std::unique_ptr<Db>> open(const std::string& path);
  // Releases the column families and closes the database.
  ~Db();

  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf which) const { return cfs_[which]; }

  // Reads one key; nullopt when absent.
  Result<std::optional<std::string>> get(Cf which, std::string_view key,
                                         const rocksdb::ReadOptions& options = {}) const;

 private:
  Db() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<rocksdb::ColumnFamilyHandle*, kCfCount> cfs_{};
};

}  // namespace loft::storage::rocks

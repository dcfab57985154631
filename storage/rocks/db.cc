#include "storage/rocks/db.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <vector>

#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

constexpr size_t kBlockCacheBytes = 64u << 20;    // shared by every column family
constexpr size_t kSmallWriteBuffer = 8u << 20;     // metadata memtables
constexpr size_t kChunkWriteBuffer = 32u << 20;    // body chunks arrive in bulk
constexpr uint64_t kMinBlobSize = 4096;            // smaller chunk values stay in the SST

rocksdb::CompressionType metadata_compression() {
  // Debian's build has lz4; fall back rather than fail to open if not.
  auto supported = rocksdb::GetSupportedCompressions();
  bool lz4 = std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) != supported.end();
  return lz4 ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
}

rocksdb::ColumnFamilyOptions cf_options(Cf which, const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions o;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.cache_index_and_filter_blocks = true;  // keeps memory bounded by the cache
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  o.max_write_buffer_number = 2;
  if (which == kChunksCf) {
    // Chunks are zstd already; BlobDB keeps the large values out of the LSM so
    // compaction does not rewrite message bodies over and over.
    o.write_buffer_size = kChunkWriteBuffer;
    o.compression = rocksdb::kNoCompression;
    o.enable_blob_files = true;
    o.min_blob_size = kMinBlobSize;
    o.blob_compression_type = rocksdb::kNoCompression;
    o.enable_blob_garbage_collection = true;
  } else {
    o.write_buffer_size = kSmallWriteBuffer;
    o.compression = metadata_compression();
  }
  return o;
}

}  // namespace

Result<std::unique_ptr<Db>> Db::open(const std::string& path) {
  auto cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 4;
  options.max_log_file_size = 8u << 20;
  options.max_total_wal_size = 64u << 20;  // flush idle column families so old WALs go away

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i)
    descriptors.emplace_back(kCfNames[i], cf_options(static_cast<Cf>(i), cache));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
  if (!s.ok()) return open_error(s, path);

  std::unique_ptr<Db> db(new Db());
  db->db_.reset(raw);
  std::copy(handles.begin(), handles.end(), db->cfs_.begin());
  return db;
}

Db::~Db() {
  if (!db_) return;
  for (auto* h : cfs_) {
    if (h == nullptr) continue;
    rocksdb::Status s = db_->DestroyColumnFamilyHandle(h);
    if (!s.ok()) log_warn("storage: releasing a column family: ", s.ToString());
  }
  rocksdb::Status s = db_->Close();
  if (!s.ok()) log_warn("storage: closing the database: ", s.ToString());
}

Result<std::optional<std::string>> Db::get(Cf which, std::string_view key, const rocksdb::ReadOptions& options) const {
  std::string value;
  rocksdb::Status s = db_->Get(options, cfs_[which], rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return to_error(s, std::string("reading ") + kCfNames[which]);
  return std::optional<std::string>(std::move(value));
}

}  // namespace loft::storage::rocks

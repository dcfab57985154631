#include "storage/rocks/db.h"

#include <rocksdb/cache.h>
#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>

#include <algorithm>
#include <vector>

#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

// RocksDB's reports about itself, from its own threads.
class DbEvents final : public rocksdb::EventListener {
 public:
  void OnBackgroundError(rocksdb::BackgroundErrorReason, rocksdb::Status* error) override {
    // kHardError stops writes until the DB is resumed, kFatalError for good;
    // soft errors (a failed compaction that will be retried) do not.
    if (error == nullptr || error->ok() || error->severity() < rocksdb::Status::kHardError) return;
    std::lock_guard lock(mu_);
    if (!error_) error_ = error->ToString();
  }
  void OnStallConditionsChanged(const rocksdb::WriteStallInfo& info) override {
    if (info.condition.cur != rocksdb::WriteStallCondition::kNormal &&
        info.condition.prev == rocksdb::WriteStallCondition::kNormal)
      ++stalls_;
  }
  std::optional<std::string> error() const {
    std::lock_guard lock(mu_);
    return error_;
  }
  uint64_t stalls() const { return stalls_.load(); }

 private:
  mutable std::mutex mu_;
  std::optional<std::string> error_;
  std::atomic<uint64_t> stalls_{0};
};

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

rocksdb::ColumnFamilyOptions cf_options(Cf which, const std::shared_ptr<rocksdb::Cache>& cache,
                                        const Tuning& tuning) {
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
  if (tuning.write_buffer_size > 0) o.write_buffer_size = tuning.write_buffer_size;
  if (tuning.level0_slowdown_writes_trigger > 0) o.level0_slowdown_writes_trigger = tuning.level0_slowdown_writes_trigger;
  if (tuning.level0_stop_writes_trigger > 0) o.level0_stop_writes_trigger = tuning.level0_stop_writes_trigger;
  return o;
}

}  // namespace

Result<std::unique_ptr<Db>> Db::open(const std::string& path, const Tuning& tuning) {
  auto cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 4;
  options.max_log_file_size = 8u << 20;
  options.max_total_wal_size = 64u << 20;  // flush idle column families so old WALs go away
  // paranoid_checks (the default) makes a failed WAL write a background
  // error: RocksDB refuses further writes, and the committer fails the store.
  options.paranoid_checks = true;
  if (tuning.env != nullptr) options.env = tuning.env;
  auto events = std::make_shared<DbEvents>();
  options.listeners.push_back(events);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (size_t i = 0; i < kCfCount; ++i)
    descriptors.emplace_back(kCfNames[i], cf_options(static_cast<Cf>(i), cache, tuning));

  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, descriptors, &handles, &raw);
  if (!s.ok()) return open_error(s, path);

  std::unique_ptr<Db> db(new Db());
  db->events_ = std::move(events);
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

Result<std::vector<std::optional<std::string>>> Db::multi_get(Cf which, std::span<const std::string> keys,
                                                              const rocksdb::ReadOptions& options) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& k : keys) slices.emplace_back(k.data(), k.size());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(options, cfs_[which], keys.size(), slices.data(), values.data(), statuses.data(),
                /*sorted_input=*/false);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return to_error(statuses[i], std::string("reading ") + kCfNames[which]);
    out[i] = values[i].ToString();
  }
  return out;
}

std::optional<std::string> Db::background_error() const { return events_->error(); }

uint64_t Db::write_stalls() const { return events_->stalls(); }

}  // namespace loft::storage::rocks

#include "storage/rocks/body_writer.h"

#include <ctime>

#include "base/bytes.h"
#include "base/log.h"
#include "storage/rocks/read_util.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// Ids reserved per synced write: one fsync per 4096 bodies at most.
constexpr uint64_t kReserveStep = 4096;


}  // namespace

Result<std::unique_ptr<BlobIds>> BlobIds::open(const Db& db, uint64_t floor, bool sync) {
  auto v = db.get(kMetaCf, std::string(kBlobIdsKey));
  if (!v) return v.error();
  uint64_t start = floor == 0 ? 1 : floor;
  if (*v) {
    auto reserved = decode_u64(**v);
    if (!reserved) return corrupt("reserved blob ids");
    // Ids below the reservation may have been used before a crash: skip them.
    if (*reserved > start) start = *reserved;
  }
  return std::unique_ptr<BlobIds>(new BlobIds(db, start, sync));
}

Result<BlobId> BlobIds::next() {
  std::lock_guard lock(mu_);
  if (next_ == limit_) {
    const uint64_t limit = limit_ + kReserveStep;
    rocksdb::WriteOptions wo;
    wo.sync = sync_;  // durable before any id of the step is handed out
    rocksdb::Status s = db_.db()->Put(wo, db_.cf(kMetaCf), std::string(kBlobIdsKey), encode_u64(limit));
    if (!s.ok()) return to_error(s, "reserving blob ids");
    limit_ = limit;
  }
  return next_++;
}

Result<uint64_t> remove_pending_bodies(const Db& db) {
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator({}, db.cf(kPendingCf)));
  rocksdb::WriteBatch batch;
  uint64_t removed = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return corrupt("pending body key");
    const std::string blob = it->key().ToString();
    const std::string end = prefix_end(blob);
    // A pending body has no blobs row: its chunks are all there is of it.
    rocksdb::Status s = batch.DeleteRange(db.cf(kChunksCf), as_slice(blob), as_slice(end));
    if (s.ok()) s = batch.Delete(db.cf(kStructuresCf), as_slice(blob));
    if (s.ok()) s = batch.Delete(db.cf(kPendingCf), as_slice(blob));
    if (!s.ok()) return to_error(s, "removing pending bodies");
    ++removed;
  }
  if (!it->status().ok()) return to_error(it->status(), "scanning pending bodies");
  if (removed == 0) return removed;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = db.db()->Write(wo, &batch);
  if (!s.ok()) return to_error(s, "removing pending bodies");
  log_info("storage: removed ", removed, " unfinished bodies");
  return removed;
}

Result<std::unique_ptr<RocksBodyWriter>> RocksBodyWriter::begin(const Db& db, BlobIds& ids, uint32_t chunk_size) {
  auto id = ids.next();
  if (!id) return id.error();
  std::unique_ptr<RocksBodyWriter> w(new RocksBodyWriter(db, *id, chunk_size));
  // The marker goes to the WAL before any chunk, so a crash that keeps a
  // chunk keeps the marker too and start-up finds the leftovers.
  const uint64_t now = static_cast<uint64_t>(std::time(nullptr));
  std::string when;
  put_be64(&when, now);
  rocksdb::Status s = db.db()->Put({}, db.cf(kPendingCf), id_key(*id), encode_bytes(when));
  if (!s.ok()) {
    w->discarded_ = true;  // nothing written
    return to_error(s, "starting a body");
  }
  w->pending_.reserve(chunk_size);
  return w;
}

RocksBodyWriter::~RocksBodyWriter() {
  if (!linked_) discard();
}

Result<void> RocksBodyWriter::write(std::string_view bytes) {
  if (failed_ || finished_) return make_error(Errc::internal, "body writer used after failing or finishing");
  header_.feed(bytes);
  size_ += bytes.size();
  while (!bytes.empty()) {
    const size_t room = chunk_size_ - pending_.size();
    const size_t n = bytes.size() < room ? bytes.size() : room;
    pending_.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
    if (pending_.size() == chunk_size_) {
      if (auto r = flush_chunk(); !r) return r;
    }
  }
  return {};
}

Result<void> RocksBodyWriter::flush_chunk() {
  if (pending_.empty()) return {};
  if (chunks_ == UINT32_MAX) {
    failed_ = true;
    return make_error(Errc::too_big, "body has too many chunks");
  }
  // Not synced: the linking commit's WAL sync covers it.
  rocksdb::Status s = db_.db()->Put({}, db_.cf(kChunksCf), chunk_key(blob_, chunks_), encode_chunk(pending_));
  if (!s.ok()) {
    failed_ = true;
    return to_error(s, "writing a body chunk");
  }
  ++chunks_;
  pending_.clear();
  return {};
}

Result<FinishedBody> RocksBodyWriter::finish() {
  if (failed_ || finished_ || discarded_) return make_error(Errc::bad_input, "body writer is spent");
  if (auto r = flush_chunk(); !r) return r.error();
  finished_ = true;
  return FinishedBody{blob_, size_, header_.header_size(size_), chunk_size_, structure_};
}

void RocksBodyWriter::discard() {
  if (discarded_ || linked_) return;
  discarded_ = true;
  rocksdb::WriteBatch batch;
  for (uint32_t i = 0; i < chunks_; ++i) batch.Delete(db_.cf(kChunksCf), chunk_key(blob_, i));
  batch.Delete(db_.cf(kPendingCf), id_key(blob_));
  // Not synced: if this is lost in a crash, start-up removes the body.
  rocksdb::Status s = db_.db()->Write({}, &batch);
  if (!s.ok()) log_warn("storage: removing unfinished body ", blob_, ": ", s.ToString());
}

}  // namespace loft::storage::rocks

// Streaming ingest of a message body: each 64 KiB chunk is compressed and
// written as soon as it is full, under a blob id reserved up front and marked
// pending, so a delivery in flight holds at most one chunk in memory. The
// committer later links the body to its messages in one synced batch (which
// also makes the earlier, unsynced chunk writes durable: one WAL). A body
// still pending at start-up (crash, aborted transfer) is removed then.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "storage/rocks/blobs.h"
#include "storage/rocks/db.h"
#include "storage/store.h"

namespace loft::storage::rocks {

// Hands out blob ids that are never handed out twice, even across a crash:
// ids are reserved in steps by a synced write of the first id not reserved
// (kBlobIdsKey) before any of them is used; a restart resumes after it.
class BlobIds {
 public:
  // floor: the first id that may be used (from the schema-1 counters).
  static Result<std::unique_ptr<BlobIds>> open(const Db& db, uint64_t floor, bool sync);
  // The next id; thread-safe. Fails only if the reservation cannot be written.
  Result<BlobId> next();
  // The first id this open may hand out: a pending body below it was begun
  // before the open, by a process that is gone (a crash's leftover).
  BlobId first() const { return first_; }

 private:
  BlobIds(const Db& db, uint64_t start, bool sync)
      : db_(db), first_(start), next_(start), limit_(start), sync_(sync) {}
  const Db& db_;
  std::mutex mu_;
  const BlobId first_;
  uint64_t next_, limit_;  // [next_, limit_) is reserved and unused
  const bool sync_;
};

// Removes every body left pending (run at open, before any writer exists).
// Returns how many it removed.
Result<uint64_t> remove_pending_bodies(const Db& db);

// What the committer needs to link a finished body.
struct FinishedBody {
  BlobId blob = 0;
  uint64_t size = 0;
  uint64_t header_size = 0;
  uint32_t chunk_size = 0;
  std::string structure;
};

class RocksBodyWriter final : public BodyWriter {
 public:
  // Reserves an id and writes the pending marker.
  static Result<std::unique_ptr<RocksBodyWriter>> begin(const Db& db, BlobIds& ids, uint32_t chunk_size);
  // Unless linked, removes the chunks written and the pending marker.
  ~RocksBodyWriter() override;

  Result<void> write(std::string_view bytes) override;
  void set_structure(std::string structure) override { structure_ = std::move(structure); }
  uint64_t size() const override { return size_; }
  BlobId blob() const override { return blob_; }

  // Writes the last, partial chunk; the writer is spent afterwards.
  Result<FinishedBody> finish();
  // The committer linked the body: the destructor must leave it alone.
  void mark_linked() { linked_ = true; }
  // Removes what was written now (idempotent).
  void discard();
  // Leaves everything written in place, as a crash would (tests only).
  void abandon_for_testing() { linked_ = true; }
  // After a commit that failed once the body was staged: the batch may or may
  // not be in the database (a write reported failed can still be durable), so
  // the body stays pending; open removes it unless that batch linked it.
  void keep_pending() { linked_ = true; }

 private:
  RocksBodyWriter(const Db& db, BlobId blob, uint32_t chunk_size) : db_(db), blob_(blob), chunk_size_(chunk_size) {}
  Result<void> flush_chunk();

  const Db& db_;
  const BlobId blob_;
  const uint32_t chunk_size_;
  std::string pending_;       // plain bytes of the chunk being filled (< chunk_size_)
  uint32_t chunks_ = 0;       // chunks written
  uint64_t size_ = 0;
  HeaderScanner header_;
  std::string structure_;
  bool failed_ = false;       // a write failed: the body is unusable
  bool finished_ = false;
  bool linked_ = false;
  bool discarded_ = false;
};

}  // namespace loft::storage::rocks

// The store under RocksDB's own failures: a file system whose WAL append or
// sync fails on demand (rocksdb::FileSystemWrapper), as a full or failing
// disk would. RocksDB then holds a background error and refuses writes; the
// store must enter its failed state and refuse every request at once.
#include <doctest/doctest.h>

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_failure_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::TempDir;

namespace {

enum class Fault { none, append, sync };

// A WAL file whose Append or Sync fails while the shared switch says so.
class FaultyWal final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWal(std::unique_ptr<rocksdb::FSWritableFile> file, const std::atomic<Fault>* fault)
      : FSWritableFileOwnerWrapper(std::move(file)), fault_(fault) {}
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           rocksdb::IODebugContext* dbg) override {
    if (fault_->load() == Fault::append) return rocksdb::IOStatus::IOError("injected WAL append failure");
    return FSWritableFileOwnerWrapper::Append(data, o, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                           const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
    if (fault_->load() == Fault::append) return rocksdb::IOStatus::IOError("injected WAL append failure");
    return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fault_->load() == Fault::sync) return rocksdb::IOStatus::IOError("injected WAL sync failure");
    return FSWritableFileOwnerWrapper::Sync(o, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
    if (fault_->load() == Fault::sync) return rocksdb::IOStatus::IOError("injected WAL fsync failure");
    return FSWritableFileOwnerWrapper::Fsync(o, dbg);
  }

 private:
  const std::atomic<Fault>* fault_;
};

// The default file system, with every WAL file ("*.log") made faulty.
class FaultyFs final : public rocksdb::FileSystemWrapper {
 public:
  FaultyFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFs"; }
  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* out,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, o, out, dbg);
    if (s.ok() && name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0)
      *out = std::make_unique<FaultyWal>(std::move(*out), &fault);
    return s;
  }
  std::atomic<Fault> fault{Fault::none};
};

void fails_the_store(Fault fault, bool sync) {
  TempDir dir;
  const Options options{dir.path(), sync, 512, 64 * 1024};
  auto fs = std::make_shared<FaultyFs>();
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
  AccountId a = 0;
  {
    rocks::Tuning tuning;
    tuning.env = env.get();
    auto opened = rocks::RocksStore::open(options, tuning);
    REQUIRE(opened.ok());
    auto& store = **opened;
    a = store.create_account("a", "h")->id;
    REQUIRE(store.deliver("kept", std::vector<AccountId>{a}, 0).ok());
    CHECK_FALSE(store.failed());

    fs->fault = fault;
    auto lost = store.deliver("lost", std::vector<AccountId>{a}, 0);
    REQUIRE_FALSE(lost.ok());
    CHECK(lost.error().code == Errc::temp);
    CHECK(store.failed());
    const uint64_t failed_commits = store.stats().failed_commits;

    // The disk is fine again, but nothing is acknowledged until a restart:
    // RocksDB's state after a WAL error is unknown to us.
    fs->fault = Fault::none;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 20; ++i) {
      auto refused = store.deliver("refused", std::vector<AccountId>{a}, 0);
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.error().code == Errc::temp);
    }
    CHECK_FALSE(store.set_password("a", "h2").ok());
    // The async variant is refused before it returns, on the calling thread.
    bool called = false;
    store.deliver_async("refused", std::vector<AccountId>{a}, 0, [&](Result<std::vector<DeliveredCopy>> r) {
      called = true;
      CHECK((!r.ok() && r.error().code == Errc::temp));
    });
    CHECK(called);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(500));
    CHECK(store.stats().failed_commits == failed_commits);  // refused without a write
    CHECK(inbox_of(store, a).messages == 1);                // reads still work
  }
  // A restart recovers from the WAL: the acknowledged delivery is there, and
  // the store takes writes again above every UID it holds.
  auto reopened = rocks::RocksStore::open(options);
  REQUIRE(reopened.ok());
  auto& store = **reopened;
  CHECK_FALSE(store.failed());
  const MailboxInfo inbox = inbox_of(store, a);
  CHECK(inbox.messages >= 1);
  auto next = store.deliver("after restart", std::vector<AccountId>{a}, 0);
  REQUIRE(next.ok());
  auto index = store.message_index(inbox.id);
  REQUIRE(index.ok());
  for (size_t i = 1; i < index->size(); ++i) CHECK((*index)[i].uid > (*index)[i - 1].uid);
  CHECK(index->back().uid == next->front().uid);
}

}  // namespace

TEST_CASE("a WAL sync failure puts the store in its failed state; every later request fails at once") {
  fails_the_store(Fault::sync, /*sync=*/true);
}

TEST_CASE("a WAL append failure puts the store in its failed state; every later request fails at once") {
  fails_the_store(Fault::append, /*sync=*/false);
}

}  // namespace storage_failure_test

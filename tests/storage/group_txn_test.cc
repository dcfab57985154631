// The commit group's overlay (storage/rocks/group_txn.h): a request rolled
// back to its savepoint leaves exactly what the earlier requests staged, and
// the batch it builds is sized before it is filled.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <rocksdb/write_batch.h>

#include "storage/rocks/db.h"
#include "storage/rocks/group_txn.h"
#include "tests/storage/temp_store.h"

namespace storage_group_txn_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::TempDir;

// A GroupTxn over an empty store in a temp dir.
struct Group {
  TempDir dir;
  std::unique_ptr<rocks::Db> db = open();
  rocks::Counters counters;
  rocks::GroupTxn txn{*db, counters};
  std::unique_ptr<rocks::Db> open() {
    auto opened = rocks::Db::open(dir.path());
    REQUIRE(opened.ok());
    return std::move(*opened);
  }
};

TEST_CASE("rollback restores overwritten keys, drops new ones, and a key staged twice ends at its old value") {
  Group g;
  rocks::GroupTxn& txn = g.txn;
  const rocks::Counters& counters = g.counters;
  // An earlier request of the group.
  txn.set_savepoint();
  txn.put(rocks::kMetaCf, "k/a", "a1");
  txn.put(rocks::kMetaCf, "k/b", "b1");
  const size_t bytes_before = txn.staged_bytes();
  // The request that is rejected: overwrites, erases, adds and re-stages.
  txn.set_savepoint();
  txn.put(rocks::kMetaCf, "k/a", "a2");
  txn.erase(rocks::kMetaCf, "k/b");
  txn.put(rocks::kMetaCf, "k/c", "c1");
  txn.put(rocks::kMetaCf, "k/c", "c2");
  txn.put(rocks::kMetaCf, "k/a", "a3");
  txn.erase(rocks::kMetaCf, "k/c");
  for (int i = 0; i < 1000; ++i) txn.put(rocks::kMetaCf, "k/many/" + std::to_string(i), std::string(100, 'x'));
  txn.rollback_to_savepoint();

  CHECK(*txn.get(rocks::kMetaCf, "k/a") == std::optional<std::string>("a1"));
  CHECK(*txn.get(rocks::kMetaCf, "k/b") == std::optional<std::string>("b1"));
  CHECK_FALSE(txn.get(rocks::kMetaCf, "k/c")->has_value());
  CHECK(txn.staged_bytes() == bytes_before);
  auto rows = txn.scan(rocks::kMetaCf, "k/");
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  CHECK((*rows)[0].first == "k/a");
  CHECK((*rows)[1].first == "k/b");

  rocksdb::WriteBatch batch(txn.batch_bytes());
  REQUIRE(txn.build(counters, &batch).ok());
  CHECK(batch.Count() == 2);
  CHECK(batch.GetDataSize() <= txn.batch_bytes());  // the estimate covers what was written
}

TEST_CASE("a group's first request, rejected, leaves an empty group that later requests stage into") {
  Group g;
  rocks::GroupTxn& txn = g.txn;
  const rocks::Counters& counters = g.counters;
  txn.set_savepoint();  // nothing staged: rolled back by emptying the overlay
  for (int i = 0; i < 100; ++i) txn.put(rocks::kMetaCf, "k/" + std::to_string(i), "v");
  txn.erase(rocks::kMetaCf, "k/7");
  ++txn.counters().next_blob;
  txn.rollback_to_savepoint();
  CHECK(txn.staged_bytes() == 0);
  CHECK(txn.counters().next_blob == counters.next_blob);
  CHECK(txn.scan(rocks::kMetaCf, "k/")->empty());
  txn.set_savepoint();
  txn.put(rocks::kMetaCf, "k/kept", "yes");
  CHECK(*txn.get(rocks::kMetaCf, "k/kept") == std::optional<std::string>("yes"));
  CHECK(txn.scan(rocks::kMetaCf, "k/")->size() == 1);
}

}  // namespace storage_group_txn_test

// The search indexer over a real store: batches drain the store's index
// jobs, and a cancelled batch commits what it did and leaves the rest queued
// (so loftd's shutdown never waits for a batch of large messages).
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <vector>

#include "server/search/indexer.h"
#include "tests/storage/temp_store.h"

using namespace loft;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

size_t pending(storage::Store& store) {
  auto jobs = store.index_jobs(1000);
  REQUIRE(jobs.ok());
  return jobs->size();
}

}  // namespace

TEST_CASE("a cancelled batch leaves its jobs queued; the next run drains them") {
  TempDir dir;
  auto store = open_store(dir);
  const storage::AccountId a = store->create_account("a", "h")->id;
  for (int i = 0; i < 3; ++i) {
    std::string body = "Subject: m" + std::to_string(i) + "\r\n\r\nquarterly report\r\n";
    REQUIRE(store->deliver(body, std::vector<storage::AccountId>{a}, 0).ok());
  }
  REQUIRE(pending(*store) == 3);
  server::search::Indexer indexer(*store, dir.path());

  std::atomic<bool> cancel{true};
  auto none = indexer.run_batch(256, &cancel);
  REQUIRE(none.ok());
  CHECK(*none == 0);
  CHECK(pending(*store) == 3);

  cancel = false;
  auto all = indexer.run_batch(256, &cancel);
  REQUIRE(all.ok());
  CHECK(*all == 3);
  CHECK(pending(*store) == 0);
  indexer.close();
}

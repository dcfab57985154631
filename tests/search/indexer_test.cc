// The search indexer over a real store: batches drain the store's index
// jobs, and a cancelled batch commits what it did and leaves the rest queued
// (so loftd's shutdown never waits for a batch of large messages).
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "server/search/indexer.h"
#include "tests/storage/temp_store.h"

namespace search_indexer_test {

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

namespace {

std::vector<uint32_t> matches(const std::string& dir, storage::MailboxId mailbox, const std::string& needle) {
  auto index = search::Index::open_reader(dir);
  REQUIRE(index.ok());
  search::Narrow n;
  n.op = search::Narrow::Op::text;
  n.fields = {search::Field::body};
  n.folded_needle = needle;
  auto found = index->candidates(mailbox, n);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return **found;
}

uint64_t documents(const std::string& dir) {
  auto index = search::Index::open_reader(dir);
  REQUIRE(index.ok());
  auto st = index->stats();
  REQUIRE(st.ok());
  return st->documents;
}

void drain(server::search::Indexer& indexer) {
  for (int i = 0; i < 100; ++i) {
    auto n = indexer.run_batch(256);
    REQUIRE(n.ok());
    if (*n == 0) return;
  }
  FAIL("index jobs never drained");
}

}  // namespace

TEST_CASE("a deleted mailbox leaves the index; a deleted account takes its directory") {
  TempDir dir;
  auto store = open_store(dir);
  const storage::AccountId a = store->create_account("a", "h")->id;
  const storage::AccountId b = store->create_account("b", "h")->id;
  for (int i = 0; i < 4; ++i) {
    std::string body = "Subject: m" + std::to_string(i) + "\r\n\r\nzebraquark report\r\n";
    REQUIRE(store->deliver(body, std::vector<storage::AccountId>{a, b}, 0).ok());
  }
  auto inbox = store->find_mailbox(a, "INBOX");
  auto old = store->create_mailbox(a, "Old");
  REQUIRE(inbox.ok());
  REQUIRE(old.ok());
  std::vector<uint32_t> uids{1, 2, 3, 4};
  REQUIRE(store->copy(inbox->id, uids, old->id).ok());
  server::search::Indexer indexer(*store, dir.path());
  drain(indexer);
  const std::string dir_a = server::search::index_dir(dir.path(), a);
  const std::string dir_b = server::search::index_dir(dir.path(), b);
  CHECK(matches(dir_a, old->id, "zebraquark") == uids);
  CHECK(documents(dir_a) == 8);

  REQUIRE(store->delete_mailbox(a, "Old").ok());
  drain(indexer);
  CHECK(matches(dir_a, inbox->id, "zebraquark") == uids);
  CHECK(documents(dir_a) == 4);  // live; the deleted mailbox's four are dead
  CHECK(search::Index::open_reader(dir_a)->stats()->dead == 4);
  auto reader = search::Index::open_reader(dir_a);
  REQUIRE(reader.ok());
  CHECK(reader->indexed_through(old->id).value() == 0);  // the mark went too

  REQUIRE(std::filesystem::exists(dir_b));
  REQUIRE(store->delete_account("b").ok());
  drain(indexer);
  CHECK(!std::filesystem::exists(dir_b));
  CHECK(documents(dir_a) == 4);
  indexer.close();
}

// One account with three indexed messages in its INBOX.
struct ThreeIndexed {
  TempDir dir;
  std::unique_ptr<storage::Store> store = open_store(dir);
  storage::AccountId a = store->create_account("a", "h")->id;
  server::search::Indexer indexer{*store, dir.path()};
  storage::MailboxId inbox = 0;
  std::string dir_a = server::search::index_dir(dir.path(), a);
  ThreeIndexed() {
    for (int i = 0; i < 3; ++i) REQUIRE(store->deliver("Subject: x\r\n\r\nbody\r\n", std::vector<storage::AccountId>{a}, 0).ok());
    drain(indexer);
    inbox = store->find_mailbox(a, "INBOX")->id;
  }
};

TEST_CASE("a rebuild in progress or interrupted answers no mark: the account is scanned") {
  ThreeIndexed fx;
  auto& [dir, store, a, indexer, inbox, dir_a] = fx;
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == 3);

  std::atomic<bool> cancel{true};
  auto r = indexer.rebuild(a, {}, &cancel);
  CHECK(!r.ok());
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == 0);
  CHECK(search::Index::open_reader(dir_a)->rebuilding().value());
  // A new delivery indexed meanwhile, in a batch stopped before its end
  // (shutdown), raises the stored mark, yet uids 1..3 are not in the
  // index: the mark must still answer 0.
  REQUIRE(store->deliver("Subject: y\r\n\r\nbody\r\n", std::vector<storage::AccountId>{a}, 0).ok());
  REQUIRE(indexer.run_batch(16, &cancel).ok());
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == 0);
  CHECK(search::Index::open_reader(dir_a)->rebuilding().value());

  cancel = false;
  uint64_t last_done = 0, last_total = 0;
  auto n = indexer.rebuild(a, [&](uint64_t d, uint64_t t) { last_done = d, last_total = t; }, &cancel);
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(last_done == 4);
  CHECK(last_total == 4);
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == 4);
  CHECK(!search::Index::open_reader(dir_a)->rebuilding().value());
  indexer.close();
}

TEST_CASE("the next batch finishes an interrupted rebuild") {
  ThreeIndexed fx;
  auto& [dir, store, a, indexer, inbox, dir_a] = fx;
  std::atomic<bool> cancel{true};
  CHECK(!indexer.rebuild(a, {}, &cancel).ok());
  CHECK(search::Index::open_reader(dir_a)->rebuilding().value());
  REQUIRE(store->deliver("Subject: y\r\n\r\nbody\r\n", std::vector<storage::AccountId>{a}, 0).ok());
  drain(indexer);
  CHECK(!search::Index::open_reader(dir_a)->rebuilding().value());
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == 4);
  CHECK(documents(dir_a) == 4);
  indexer.close();
}

TEST_CASE("one batch over more accounts than open writers indexes every account") {
  // Deliveries to many accounts land in one batch; the writer bound closes
  // some accounts' indexes mid-batch, and their work must still be committed.
  TempDir dir;
  auto store = open_store(dir);
  const size_t accounts = server::search::Indexer::kMaxOpenWriters * 2 + 3;
  std::vector<storage::AccountId> ids;
  for (size_t i = 0; i < accounts; ++i) ids.push_back(store->create_account("u" + std::to_string(i), "h")->id);
  for (storage::AccountId id : ids) {
    REQUIRE(store->deliver("Subject: s\r\n\r\nwombatfjord note\r\n", std::vector<storage::AccountId>{id}, 0).ok());
  }
  server::search::Indexer indexer(*store, dir.path());
  auto n = indexer.run_batch(256);
  REQUIRE(n.ok());
  CHECK(*n == accounts);
  CHECK(pending(*store) == 0);
  indexer.close();
  for (storage::AccountId id : ids) {
    auto inbox = store->find_mailbox(id, "INBOX");
    REQUIRE(inbox.ok());
    CHECK(matches(server::search::index_dir(dir.path(), id), inbox->id, "wombatfjord") == std::vector<uint32_t>{1});
  }
}

TEST_CASE("an index mostly of expunged messages is rebuilt by the next batch") {
  // Index::remove keeps the document (no termlist) and counts it dead; past
  // kRebuildDead dead that outnumber the live, the batch rebuilds the index.
  TempDir dir;
  auto store = open_store(dir);
  const storage::AccountId a = store->create_account("a", "h")->id;
  const uint32_t total = static_cast<uint32_t>(server::search::Indexer::kRebuildDead) + 40;
  for (uint32_t i = 0; i < total; ++i) {
    const std::string body = "Subject: s\r\n\r\n" + std::string(i < 20 ? "keepsake" : "dropword") + " note\r\n";
    REQUIRE(store->deliver(body, std::vector<storage::AccountId>{a}, 0).ok());
  }
  server::search::Indexer indexer(*store, dir.path());
  drain(indexer);
  const storage::MailboxId inbox = store->find_mailbox(a, "INBOX")->id;
  const std::string dir_a = server::search::index_dir(dir.path(), a);
  std::vector<uint32_t> gone;
  for (uint32_t uid = 21; uid <= total - 10; ++uid) gone.push_back(uid);  // dead > 1000, live 30
  REQUIRE(store->expunge(inbox, gone).ok());
  REQUIRE(indexer.run_batch(500).ok());  // not yet past the bound: kept, counted
  CHECK(search::Index::open_reader(dir_a)->stats()->dead == 500);
  CHECK(matches(dir_a, inbox, "dropword").size() == total - 20);
  drain(indexer);
  auto st = search::Index::open_reader(dir_a)->stats();
  REQUIRE(st.ok());
  CHECK(st->dead == 0);
  CHECK(st->documents == 30);
  CHECK(matches(dir_a, inbox, "dropword").size() == 10);
  CHECK(matches(dir_a, inbox, "keepsake").size() == 20);
  CHECK(search::Index::open_reader(dir_a)->indexed_through(inbox).value() == total);
  indexer.close();
}

}  // namespace search_indexer_test

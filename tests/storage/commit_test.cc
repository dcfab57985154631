#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

TEST_CASE("concurrent synced deliveries are grouped into far fewer commits, with contiguous UIDs") {
  TempDir dir;
  auto store = open_store(dir, 64 * 1024, /*sync=*/true);
  const AccountId id = store->create_account("busy", "h")->id;
  const MailboxId box = inbox_of(*store, id).id;
  constexpr int kThreads = 8, kEach = 50;
  const StoreStats before = store->stats();

  std::mutex mu;
  std::vector<uint32_t> uids;
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<uint32_t> mine;
      for (int i = 0; i < kEach; ++i) {
        std::string body = "From: t" + std::to_string(t) + "\r\n\r\nmessage " + std::to_string(i) + "\r\n";
        auto copies = store->deliver(body, std::vector<AccountId>{id}, 0);
        if (!copies.ok()) { ++failures; continue; }
        // One thread's deliveries are sequential, so its UIDs ascend.
        if (!mine.empty() && copies->front().uid <= mine.back()) ++failures;
        mine.push_back(copies->front().uid);
      }
      std::lock_guard lock(mu);
      uids.insert(uids.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const StoreStats after = store->stats();
  const uint64_t commits = after.commits - before.commits;

  CHECK(failures == 0);
  REQUIRE(uids.size() == kThreads * kEach);
  std::sort(uids.begin(), uids.end());
  for (size_t i = 0; i < uids.size(); ++i) CHECK(uids[i] == i + 1);
  CHECK(after.committed_requests - before.committed_requests == kThreads * kEach);
  CHECK(commits < kThreads * kEach / 2);
  const std::string grouped = std::to_string(kThreads * kEach) + " synced deliveries from " +
                              std::to_string(kThreads) + " threads: " + std::to_string(commits) + " commits, " +
                              std::to_string(static_cast<int>(kThreads * kEach / seconds)) + " deliveries/s";
  MESSAGE(grouped);

  // For comparison: the same work from one thread gets one fsync per delivery.
  const uint64_t serial_before = store->stats().commits;
  start = std::chrono::steady_clock::now();
  for (int i = 0; i < kEach; ++i) REQUIRE(store->deliver("serial", std::vector<AccountId>{id}, 0).ok());
  const double serial = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(store->stats().commits - serial_before == kEach);
  const std::string serialized =
      "one thread, serialized: " + std::to_string(static_cast<int>(kEach / serial)) + " deliveries/s";
  MESSAGE(serialized);

  auto index = store->message_index(box);
  REQUIRE(index.ok());
  CHECK(index->size() == kThreads * kEach + kEach);
  CHECK(inbox_of(*store, id).uidnext == kThreads * kEach + kEach + 1);
}

TEST_CASE("the change feed receives one change per mailbox after each commit") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const AccountId b = store->create_account("b", "h")->id;
  std::mutex mu;
  std::vector<MailboxChange> seen;
  uint64_t handle = store->changes().subscribe([&](const MailboxChange& c) {
    std::lock_guard lock(mu);
    seen.push_back(c);
  });

  REQUIRE(store->deliver("x", std::vector<AccountId>{a, b}, 0).ok());
  {
    // Published before deliver returned.
    std::lock_guard lock(mu);
    REQUIRE(seen.size() == 2);
    for (const MailboxChange& c : seen) {
      CHECK((c.account == a || c.account == b));
      CHECK(c.mailbox == inbox_of(*store, c.account).id);
      CHECK(c.uidnext == 2);
      CHECK(c.messages == 1);
      CHECK(c.highestmodseq == 2);
    }
    seen.clear();
  }
  const MailboxId box_a = inbox_of(*store, a).id;
  REQUIRE(store->update_flags(box_a, std::vector<uint32_t>{1}, FlagOp::add, kSeen).ok());
  REQUIRE(store->update_flags(box_a, std::vector<uint32_t>{1}, FlagOp::add, kSeen).ok());  // no change
  {
    std::lock_guard lock(mu);
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].mailbox == box_a);
    CHECK(seen[0].highestmodseq == 3);
    seen.clear();
  }
  store->changes().unsubscribe(handle);
  REQUIRE(store->deliver("y", std::vector<AccountId>{a}, 0).ok());
  std::lock_guard lock(mu);
  CHECK(seen.empty());
}

TEST_CASE("a listener may unsubscribe itself") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  int calls = 0;
  uint64_t handle = 0;
  handle = store->changes().subscribe([&](const MailboxChange&) {
    ++calls;
    store->changes().unsubscribe(handle);
  });
  REQUIRE(store->deliver("x", std::vector<AccountId>{a}, 0).ok());
  REQUIRE(store->deliver("y", std::vector<AccountId>{a}, 0).ok());
  CHECK(calls == 1);
}

TEST_CASE("a failed write fails every request of its group and leaves no trace") {
  TempDir dir;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 64 * 1024});
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = store.create_account("a", "h")->id;
  REQUIRE(store.deliver("first", std::vector<AccountId>{a}, 0).ok());

  store.fail_next_writes_for_testing(1);
  auto failed = store.deliver("lost", std::vector<AccountId>{a}, 0);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code == Errc::temp);
  CHECK(store.stats().failed_commits == 1);
  CHECK(store.create_account("b", "h").ok());  // the next group commits again

  // The failed delivery's UID is handed out again; its blob id is not (blob
  // ids come from the body writer's durable reservation, before the commit).
  auto next = store.deliver("second", std::vector<AccountId>{a}, 0);
  REQUIRE(next.ok());
  CHECK(next->front().uid == 2);
  MailboxInfo inbox = inbox_of(store, a);
  CHECK(inbox.messages == 2);
  CHECK(inbox.highestmodseq == 3);
  auto metas = store.messages(inbox.id, std::vector<uint32_t>{2});
  REQUIRE(metas->size() == 1);
  CHECK(*store.read_body(metas->front().blob, 0, 100) == "second");
  CHECK(metas->front().blob == 3);
  CHECK(store.blob_info(2).error().code == Errc::not_found);
}

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_commit_test {

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
  CHECK_FALSE(store.failed());                // an injected failure is not RocksDB's error state
  CHECK(store.create_account("b", "h").ok());  // the next group commits again

  // The failed delivery's UID, modseq and blob id stay consumed: never handed
  // out twice (the blob id by the body writer's reservation, before the commit).
  auto next = store.deliver("second", std::vector<AccountId>{a}, 0);
  REQUIRE(next.ok());
  CHECK(next->front().uid == 3);
  MailboxInfo inbox = inbox_of(store, a);
  CHECK(inbox.messages == 2);
  CHECK(inbox.uidnext == 4);
  CHECK(inbox.highestmodseq == 4);
  auto index = store.message_index(inbox.id);
  REQUIRE(index->size() == 2);
  CHECK((*index)[0].uid == 1);
  CHECK((*index)[1].uid == 3);
  CHECK((*index)[1].modseq == 4);
  auto metas = store.messages(inbox.id, std::vector<uint32_t>{3});
  REQUIRE(metas->size() == 1);
  CHECK(*store.read_body(metas->front().blob, 0, 100) == "second");
  CHECK(metas->front().blob == 3);
}

TEST_CASE("no UID, modseq or id repeats after failed or uncertain writes, in process or after a reopen") {
  TempDir dir;
  const Options options{dir.path(), false, 512, 64 * 1024};
  std::vector<uint32_t> uids;  // every UID a successful delivery reported
  std::vector<uint64_t> modseqs;  // every modseq a successful flag change reported
  BlobId last_blob = 0;
  MailboxId box = 0;
  auto deliver = [&](rocks::RocksStore& store, AccountId a, bool expect_ok) {
    auto copies = store.deliver("body " + std::to_string(uids.size()), std::vector<AccountId>{a}, 0);
    REQUIRE(copies.ok() == expect_ok);
    if (expect_ok) uids.push_back(copies->front().uid);
  };
  auto flag = [&](rocks::RocksStore& store, bool expect_ok) {
    // Toggle \Flagged on the newest message so that every call changes it.
    auto index = store.message_index(box);
    REQUIRE((index.ok() && !index->empty()));
    const uint32_t uid = index->back().uid;
    const FlagOp op = (index->back().flags & kFlagged) ? FlagOp::remove : FlagOp::add;
    auto r = store.update_flags(box, std::vector<uint32_t>{uid}, op, kFlagged);
    REQUIRE(r.ok() == expect_ok);
    if (expect_ok) modseqs.push_back(r->front().modseq);
  };
  {
    auto opened = rocks::RocksStore::open(options);
    REQUIRE(opened.ok());
    auto& store = **opened;
    const AccountId a = store.create_account("a", "h")->id;
    box = inbox_of(store, a).id;
    for (int round = 0; round < 3; ++round) {
      deliver(store, a, true);
      flag(store, true);
      // Nothing written: what the group handed out must still be skipped.
      store.fail_next_writes_for_testing(1);
      deliver(store, a, false);
      store.fail_next_writes_for_testing(1);
      flag(store, false);
      deliver(store, a, true);
      flag(store, true);
      // Written but reported failed: the outcome is unknown to the caller.
      store.fail_next_writes_for_testing(1, /*after_write=*/true);
      deliver(store, a, false);
      store.fail_next_writes_for_testing(1, /*after_write=*/true);
      flag(store, false);
      flag(store, true);
    }
    // A failed group that made an account: its ids are not handed out again.
    store.fail_next_writes_for_testing(1);
    REQUIRE_FALSE(store.create_account("lost", "h").ok());
    auto b = store.create_account("b", "h");
    REQUIRE(b.ok());
    CHECK(b->id == a + 2);
    // An account gets six mailboxes (INBOX and five special-use ones).
    CHECK(inbox_of(store, b->id).id == inbox_of(store, a).id + 12);
    auto index = store.message_index(box);
    REQUIRE(index.ok());
    last_blob = store.messages(box, std::vector<uint32_t>{index->back().uid})->front().blob;
    // One failed delivery before the close: its UID must stay consumed across the reopen.
    store.fail_next_writes_for_testing(1);
    deliver(store, a, false);
    flag(store, true);  // writes the mailbox (and the counters) above the floor
  }
  auto opened = rocks::RocksStore::open(options);
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = store.find_account("a")->id;
  deliver(store, a, true);
  flag(store, true);

  // Successful results are strictly ascending, so no value was handed out twice.
  for (size_t i = 1; i < uids.size(); ++i) CHECK(uids[i] > uids[i - 1]);
  for (size_t i = 1; i < modseqs.size(); ++i) CHECK(modseqs[i] > modseqs[i - 1]);
  // And the failed groups' values were skipped, not reused: each round lost
  // one UID before the write and one after (kept: it is in the database).
  auto index = store.message_index(box);
  REQUIRE(index.ok());
  std::vector<uint32_t> stored, stored_modseqs;
  for (const MessageSummary& m : *index) stored.push_back(m.uid);
  CHECK(stored == std::vector<uint32_t>{1, 3, 4, 5, 7, 8, 9, 11, 12, 14});
  for (size_t i = 1; i < index->size(); ++i) CHECK((*index)[i].modseq != (*index)[i - 1].modseq);
  CHECK(uids.back() == 14);
  auto newest = store.messages(box, std::vector<uint32_t>{14});
  REQUIRE(newest->size() == 1);
  CHECK(newest->front().blob > last_blob + 1);  // the blob of the failed delivery before close is skipped
  // The bodies of deliveries written but reported failed were kept (their
  // messages exist), those never written were removed at open.
  auto issues = store.check(false);
  REQUIRE(issues.ok());
  for (const auto& i : *issues) MESSAGE(i.check, " ", i.subject, ": ", i.detail);
  CHECK(issues->empty());
  for (uint32_t uid : stored) CHECK(store.read_body(store.messages(box, std::vector<uint32_t>{uid})->front().blob, 0, 100).ok());
}

TEST_CASE("RocksDB write stalls slow acknowledgements down but never fail a request") {
  TempDir dir;
  rocks::Tuning tuning;
  tuning.write_buffer_size = 64 * 1024;  // a memtable fills every few deliveries
  tuning.level0_slowdown_writes_trigger = 2;
  tuning.level0_stop_writes_trigger = 4;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 16 * 1024}, tuning);
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = store.create_account("a", "h")->id;
  // Incompressible bodies, so that the chunks fill memtables and level 0.
  std::mt19937_64 rng(7);
  constexpr int kThreads = 4, kEach = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    std::string body(24 * 1024, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    threads.emplace_back([&, body] {
      for (int i = 0; i < kEach; ++i)
        if (!store.deliver(body, std::vector<AccountId>{a}, 0).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  CHECK(store.stats().failed_commits == 0);
  CHECK(inbox_of(store, a).messages == kThreads * kEach);
  CHECK(store.write_stalls() > 0);
  MESSAGE("write stalls during ", kThreads * kEach, " deliveries: ", store.write_stalls());
}

}  // namespace storage_commit_test

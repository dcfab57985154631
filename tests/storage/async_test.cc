// The non-blocking mutations: completion on the committer thread after the
// batch is durable, many async requests folded into one fsync, and the
// savepoint that keeps a rejected request out of its group.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_async_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

// Counts completions and lets the test wait for all of them, bounded in time.
struct Completions {
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  bool wait_for(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return done >= n; });
  }
  void add() {
    std::lock_guard lock(mu);
    ++done;
    cv.notify_all();
  }
};

}  // namespace

TEST_CASE("async deliveries from one thread complete on the committer thread, folded into far fewer fsyncs") {
  TempDir dir;
  auto store = open_store(dir, 64 * 1024, /*sync=*/true);
  const AccountId id = store->create_account("a", "h")->id;
  const MailboxId box = inbox_of(*store, id).id;
  constexpr int kCount = 300;
  const uint64_t commits_before = store->stats().commits;

  Completions completions;
  std::mutex mu;
  std::set<uint32_t> uids;
  std::atomic<int> failures{0}, on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  // The first completion holds the committer until every request is queued,
  // as a slow fsync would: whatever the disk's speed, the other 299 must then
  // fold into a few groups, never one commit each.
  Completions submitted;
  std::atomic<bool> first{true};
  for (int i = 0; i < kCount; ++i) {
    store->deliver_async("message " + std::to_string(i), std::vector<AccountId>{id}, 0,
                         [&](Result<std::vector<DeliveredCopy>> r) {
                           if (first.exchange(false)) submitted.wait_for(1);
                           if (std::this_thread::get_id() == caller) ++on_caller;
                           if (!r.ok()) ++failures;
                           else {
                             std::lock_guard lock(mu);
                             uids.insert(r->front().uid);
                           }
                           completions.add();
                         });
  }
  submitted.add();
  REQUIRE(completions.wait_for(kCount));
  const uint64_t commits = store->stats().commits - commits_before;
  CHECK(failures == 0);
  CHECK(on_caller == 0);
  CHECK(uids.size() == kCount);
  CHECK(*uids.begin() == 1);
  CHECK(*uids.rbegin() == kCount);
  // One thread, never blocking: the committer groups whatever queued meanwhile.
  CHECK(commits < kCount / 4);
  MESSAGE(kCount, " async synced deliveries from one thread: ", commits, " commits");
  // Durable and visible by the time each completion ran.
  CHECK(store->message_index(box)->size() == kCount);

  // Flag changes and expunges the same way.
  Completions more;
  store->update_flags_async(box, std::vector<uint32_t>{1, 2}, FlagOp::add, kSeen,
                            [&](Result<std::vector<MessageSummary>> r) {
                              CHECK(r.ok());
                              if (r.ok()) CHECK(r->size() == 2);
                              more.add();
                            });
  store->expunge_async(box, std::vector<uint32_t>{3}, [&](Result<std::vector<uint32_t>> r) {
    CHECK(r.ok());
    if (r.ok()) CHECK(*r == std::vector<uint32_t>{3});
    more.add();
  });
  REQUIRE(more.wait_for(2));
  CHECK(inbox_of(*store, id).messages == kCount - 1);
  CHECK(inbox_of(*store, id).unseen == kCount - 3);

  // Copies and moves: COPYUID's map, the body shared, the source emptied by a move.
  auto other = store->create_mailbox(id, "Other");
  REQUIRE(other.ok());
  Completions copies;
  std::optional<CopyResult> copied, moved;
  store->copy_async(box, std::vector<uint32_t>{1, 2, 999}, other->id, [&](Result<CopyResult> r) {
    if (r.ok()) copied = *r;
    copies.add();
  });
  store->move_async(box, std::vector<uint32_t>{4}, other->id, [&](Result<CopyResult> r) {
    if (r.ok()) moved = *r;
    copies.add();
  });
  std::optional<Error> refused;
  store->copy_async(box, std::vector<uint32_t>{5}, MailboxId{987654}, [&](Result<CopyResult> r) {
    if (!r.ok()) refused = r.error();
    copies.add();
  });
  REQUIRE(copies.wait_for(3));
  REQUIRE(copied.has_value());
  REQUIRE(moved.has_value());
  CHECK(copied->uids == std::vector<std::pair<uint32_t, uint32_t>>{{1, 1}, {2, 2}});
  CHECK(moved->uids == std::vector<std::pair<uint32_t, uint32_t>>{{4, 3}});
  REQUIRE(refused.has_value());
  CHECK(refused->code == Errc::not_found);
  CHECK(inbox_of(*store, id).messages == kCount - 2);
  CHECK(store->message_index(other->id)->size() == 3);
}

namespace {

using loft::storage::rocks::Committer;
using loft::storage::rocks::GroupTxn;
using loft::storage::rocks::Request;

// Blocks in stage() until released, so that the requests queued meanwhile
// form the next group together.
struct Gate final : Request {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false, entered = false;
  Result<void> stage(GroupTxn&) override {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(30), [&] { return open; });
    return {};
  }
};

// Stages a row, moves a counter, then fails: a request that breaks the
// "reject before staging" convention.
struct StagesThenFails final : Request {
  Result<void> stage(GroupTxn& txn) override {
    txn.put(rocks::kMetaCf, "probe/rejected", "must never be written");
    txn.put(rocks::kMetaCf, "probe/shared", "from the rejected request");
    ++txn.counters().next_blob;
    return make_error(Errc::exists, "rejected after staging");
  }
};

// Records what it sees of the rejected request, then stages its own row.
struct Observer final : Request {
  std::optional<std::string> seen;
  Result<void> stage(GroupTxn& txn) override {
    auto v = txn.get(rocks::kMetaCf, "probe/shared");
    if (!v) return v.error();
    seen = *v;
    txn.put(rocks::kMetaCf, "probe/kept", "ok");
    return {};
  }
};

}  // namespace

TEST_CASE("a request rejected after staging leaves no trace in its group") {
  TempDir dir;
  auto db = rocks::Db::open(dir.path());
  REQUIRE(db.ok());
  LocalChangeFeed feed;
  rocks::Counters counters;
  counters.next_blob = 10;
  Committer committer(**db, counters, false, 512, rocks::Tuning{}, feed);

  auto gate = std::make_shared<Gate>();
  Completions completions;
  committer.submit(gate, [&](Result<void>) { completions.add(); });
  {
    std::unique_lock lock(gate->mu);
    REQUIRE(gate->cv.wait_for(lock, std::chrono::seconds(30), [&] { return gate->entered; }));
  }
  // Queued while the committer is held in the gate: one group of three.
  auto rejected = std::make_shared<StagesThenFails>();
  auto observer = std::make_shared<Observer>();
  std::optional<Error> rejection;
  bool observer_ok = false;
  committer.submit(rejected, [&](Result<void> r) {
    if (!r.ok()) rejection = r.error();
    completions.add();
  });
  committer.submit(observer, [&](Result<void> r) {
    observer_ok = r.ok();
    completions.add();
  });
  auto after = std::make_shared<Observer>();
  committer.submit(after, [&](Result<void>) { completions.add(); });
  {
    std::lock_guard lock(gate->mu);
    gate->open = true;
  }
  gate->cv.notify_all();
  REQUIRE(completions.wait_for(4));

  REQUIRE(rejection.has_value());
  CHECK(rejection->code == Errc::exists);
  CHECK(observer_ok);
  CHECK_FALSE(observer->seen.has_value());  // not even the later requests of its group saw it
  CHECK_FALSE((*db)->get(rocks::kMetaCf, "probe/rejected")->has_value());
  CHECK_FALSE((*db)->get(rocks::kMetaCf, "probe/shared")->has_value());
  CHECK((*db)->get(rocks::kMetaCf, "probe/kept")->has_value());
  // Its counter change was undone too: no counters row was written for it.
  CHECK_FALSE((*db)->get(rocks::kMetaCf, std::string(rocks::kCountersKey))->has_value());
}

namespace {

// Stages one value of `bytes` bytes under its own key.
struct Bulk final : Request {
  Bulk(int i, size_t bytes) : key("bulk/" + std::to_string(i)), value(bytes, 'x') {}
  std::string key, value;
  Result<void> stage(GroupTxn& txn) override {
    txn.put(rocks::kMetaCf, key, value);
    return {};
  }
};

}  // namespace

TEST_CASE("a group stops at its byte bound; the rest commit in the next groups, in order") {
  TempDir dir;
  auto db = rocks::Db::open(dir.path());
  REQUIRE(db.ok());
  LocalChangeFeed feed;
  rocks::Tuning tuning;
  tuning.max_group_bytes = 256 * 1024;
  Committer committer(**db, rocks::Counters{}, false, 512, tuning, feed);

  auto gate = std::make_shared<Gate>();
  Completions completions;
  committer.submit(gate, [&](Result<void>) { completions.add(); });
  {
    std::unique_lock lock(gate->mu);
    REQUIRE(gate->cv.wait_for(lock, std::chrono::seconds(30), [&] { return gate->entered; }));
  }
  // 40 requests of 100 KiB queued at once: at most three fit under 256 KiB.
  constexpr int kCount = 40;
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> failures{0};
  for (int i = 0; i < kCount; ++i)
    committer.submit(std::make_shared<Bulk>(i, 100 * 1024), [&, i](Result<void> r) {
      if (!r.ok()) ++failures;
      {
        std::lock_guard lock(mu);
        order.push_back(i);
      }
      completions.add();
    });
  const uint64_t before = committer.stats().commits;
  {
    std::lock_guard lock(gate->mu);
    gate->open = true;
  }
  gate->cv.notify_all();
  REQUIRE(completions.wait_for(kCount + 1));
  CHECK(failures == 0);
  const uint64_t commits = committer.stats().commits - before;
  CHECK(commits >= kCount / 3);
  std::vector<int> expected(kCount);
  for (int i = 0; i < kCount; ++i) expected[i] = i;
  CHECK(order == expected);
  MESSAGE(kCount, " queued 100 KiB requests, 256 KiB group bound: ", commits, " commits");
}

}  // namespace storage_async_test

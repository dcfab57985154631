// STORE and EXPUNGE of many messages commit in slices (storage/rocks/slices.h):
// one commit per slice, each with its own modseq, the results merged, and
// another request queued meanwhile committed between slices rather than
// after the whole.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_slices_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::TempDir;

namespace {

struct Sliced {
  TempDir dir;
  std::unique_ptr<rocks::RocksStore> store;
  MailboxId box = 0;
  AccountId other = 0;
  std::vector<uint32_t> uids;

  AccountId account = 0;
  MailboxInfo inbox() { return inbox_of(*store, account); }

  explicit Sliced(int messages, uint32_t slice) {
    rocks::Tuning tuning;
    tuning.slice_messages = slice;
    auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 1024}, tuning);
    REQUIRE(opened.ok());
    store = std::move(*opened);
    const AccountId a = account = store->create_account("a", "h")->id;
    other = store->create_account("b", "h")->id;
    box = inbox_of(*store, a).id;
    for (int i = 0; i < messages; ++i) {
      auto d = store->deliver("message " + std::to_string(i), std::vector<AccountId>{a}, 0);
      REQUIRE(d.ok());
      uids.push_back(d->front().uid);
    }
  }
};

}  // namespace

TEST_CASE("a STORE of more messages than a slice commits once per slice, each with its own modseq") {
  Sliced s(10, 3);
  const uint64_t commits = s.store->stats().commits;
  const uint64_t modseq = s.inbox().highestmodseq;
  auto r = s.store->store_flags(s.box, s.uids, FlagChange{FlagOp::add, kFlagged, {"$Work"}, std::nullopt});
  REQUIRE(r.ok());
  CHECK(s.store->stats().commits - commits == 4);  // 3 + 3 + 3 + 1
  REQUIRE(r->updated.size() == 10);
  std::set<uint64_t> modseqs;
  for (size_t i = 0; i < 10; ++i) {
    CHECK(r->updated[i].uid == s.uids[i]);
    CHECK(r->updated[i].flags == kFlagged);
    modseqs.insert(r->updated[i].modseq);
  }
  CHECK(modseqs.size() == 4);
  CHECK(s.inbox().highestmodseq == modseq + 4);
  // UNCHANGEDSINCE is still decided per message.
  auto c = s.store->store_flags(s.box, s.uids, FlagChange{FlagOp::add, kSeen, {}, *modseqs.begin()});
  REQUIRE(c.ok());
  CHECK(c->updated.size() == 3);
  CHECK(c->modified.size() == 7);
}

TEST_CASE("an EXPUNGE of more messages than a slice removes them all, slice by slice") {
  Sliced s(10, 4);
  const uint64_t commits = s.store->stats().commits;
  auto r = s.store->expunge(s.box, s.uids);
  REQUIRE(r.ok());
  CHECK(*r == s.uids);
  CHECK(s.store->stats().commits - commits == 3);
  CHECK(s.inbox().messages == 0);
  // One slice, one commit: a request within the bound is unchanged.
  Sliced one(4, 4);
  const uint64_t before = one.store->stats().commits;
  REQUIRE(one.store->expunge(one.box, one.uids).ok());
  CHECK(one.store->stats().commits - before == 1);
}

TEST_CASE("a delivery queued during a sliced STORE commits before the STORE's last slice") {
  // 300 slices of 2; the delivery's body is written first, so queueing it
  // costs next to nothing and happens while the STORE's slices still run.
  Sliced s(600, 2);
  auto body = s.store->begin_body();
  REQUIRE(body.ok());
  REQUIRE((*body)->write("Subject: to b\r\n\r\nbody\r\n").ok());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> order;
  auto note = [&](std::string what) {
    std::lock_guard lock(mu);
    order.push_back(std::move(what));
    cv.notify_all();
  };
  s.store->store_flags_async(s.box, s.uids, FlagChange{FlagOp::add, kSeen, {}, std::nullopt},
                             [&](Result<FlagResult> r) {
                               CHECK(r.ok());
                               if (r.ok()) CHECK(r->updated.size() == 600);
                               note("store");
                             });
  const DeliveryTarget target{s.other, "INBOX", 0, {}, 0, 0};
  s.store->deliver_async(std::move(*body), {&target, 1}, [&](Result<std::vector<DeliveryOutcome>> r) {
    CHECK(r.ok());
    note("deliver");
  });
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return order.size() == 2; }));
  // Unsliced, the STORE queued first would complete first (alone, or first
  // in a shared group); sliced, the delivery goes in after a slice or two.
  CHECK(order == std::vector<std::string>{"deliver", "store"});
}

}  // namespace storage_slices_test

// Store::expunge (POP3 DELE + QUIT): removal, counts, HIGHESTMODSEQ, body
// reference counting, the change feed, durability across a reopen.
#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_expunge_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

using Uids = std::vector<uint32_t>;

// An account with n delivered messages (UIDs 1..n); returns its INBOX id.
MailboxId inbox_with(Store& store, const char* name, int n) {
  auto id = store.create_account(name, "h")->id;
  for (int i = 0; i < n; ++i) REQUIRE(store.deliver("body " + std::to_string(i), std::vector<AccountId>{id}, i).ok());
  return inbox_of(store, id).id;
}

Uids index_uids(Store& store, MailboxId box) {
  auto index = store.message_index(box);
  REQUIRE(index.ok());
  Uids out;
  for (const auto& m : *index) out.push_back(m.uid);
  return out;
}

}  // namespace

TEST_CASE("expunge removes the existing UIDs and returns them in the order given") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "ex", 5);
  auto removed = store->expunge(box, Uids{4, 2, 9, 2});  // 9 never existed, 2 listed twice
  REQUIRE(removed.ok());
  CHECK(*removed == Uids{4, 2});
  CHECK(index_uids(*store, box) == Uids{1, 3, 5});
  CHECK(store->messages(box, Uids{2, 3, 4})->size() == 1);

  // Expunging again removes nothing and is not an error.
  auto again = store->expunge(box, Uids{2, 4});
  REQUIRE(again.ok());
  CHECK(again->empty());
  CHECK(store->expunge(box, Uids{})->empty());
}

TEST_CASE("expunge updates the message and unseen counts and raises HIGHESTMODSEQ once") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "counts", 4);
  AccountId account = store->find_account("counts")->id;
  REQUIRE(store->update_flags(box, Uids{1, 2}, FlagOp::add, kSeen).ok());
  MailboxInfo before = inbox_of(*store, account);
  CHECK(before.messages == 4);
  CHECK(before.unseen == 2);

  REQUIRE(store->expunge(box, Uids{1, 3})->size() == 2);  // one seen, one unseen
  MailboxInfo after = inbox_of(*store, account);
  CHECK(after.messages == 2);
  CHECK(after.unseen == 1);
  CHECK(after.highestmodseq == before.highestmodseq + 1);
  CHECK(after.uidnext == before.uidnext);  // UIDs are never reused

  // Nothing removed: nothing changes, not even HIGHESTMODSEQ.
  REQUIRE(store->expunge(box, Uids{1, 3})->empty());
  CHECK(inbox_of(*store, account).highestmodseq == after.highestmodseq);

  // A later delivery still gets a fresh UID.
  REQUIRE(store->deliver("late", std::vector<AccountId>{account}, 0).ok());
  CHECK(index_uids(*store, box) == Uids{2, 4, 5});
}

TEST_CASE("expunge releases bodies: a shared body stays until its last message goes") {
  TempDir dir;
  auto store = open_store(dir, 16);  // several chunks per body
  AccountId a = store->create_account("a", "h")->id;
  AccountId b = store->create_account("b", "h")->id;
  const std::string body(100, 'x');
  auto copies = store->deliver(body, std::vector<AccountId>{a, b}, 0);
  REQUIRE(copies.ok());
  MailboxId box_a = (*copies)[0].mailbox, box_b = (*copies)[1].mailbox;
  BlobId blob = store->messages(box_a, Uids{1})->front().blob;
  CHECK(store->blob_info(blob)->refs == 2);

  REQUIRE(store->expunge(box_a, Uids{1})->size() == 1);
  CHECK(store->blob_info(blob)->refs == 1);
  CHECK(*store->read_body(blob, 0, 1000) == body);  // b still reads it

  REQUIRE(store->expunge(box_b, Uids{1})->size() == 1);
  CHECK(store->blob_info(blob).error().code == Errc::not_found);
  CHECK(store->read_body(blob, 0, 1000).error().code == Errc::not_found);
}

TEST_CASE("expunge of two messages sharing one body in one mailbox drops both references") {
  TempDir dir;
  auto store = open_store(dir);
  AccountId a = store->create_account("twice", "h")->id;
  auto copies = store->deliver("same body", std::vector<AccountId>{a, a}, 0);
  REQUIRE(copies.ok());
  MailboxId box = (*copies)[0].mailbox;
  BlobId blob = store->messages(box, Uids{1})->front().blob;
  CHECK(store->blob_info(blob)->refs == 2);
  REQUIRE(store->expunge(box, Uids{1, 2})->size() == 2);
  CHECK(store->blob_info(blob).error().code == Errc::not_found);
  CHECK(inbox_of(*store, a).messages == 0);
}

TEST_CASE("expunge of an unknown mailbox is not_found") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "nf", 1);
  auto r = store->expunge(box + 1000, Uids{1});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK(index_uids(*store, box) == Uids{1});
}

TEST_CASE("expunge publishes one change with the new counts") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "feed", 3);
  std::mutex mu;
  std::vector<MailboxChange> seen;
  uint64_t handle = store->changes().subscribe([&](const MailboxChange& c) {
    std::lock_guard lock(mu);
    seen.push_back(c);
  });
  REQUIRE(store->expunge(box, Uids{2})->size() == 1);
  REQUIRE(store->expunge(box, Uids{2})->empty());  // removes nothing: no change
  store->changes().unsubscribe(handle);
  std::lock_guard lock(mu);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].mailbox == box);
  CHECK(seen[0].messages == 2);
  CHECK(seen[0].uidnext == 4);
}

TEST_CASE("expunge is durable across a reopen") {
  TempDir dir;
  MailboxId box = 0;
  BlobId blob = 0;
  {
    auto store = open_store(dir, 64 * 1024, /*sync=*/true);
    box = inbox_with(*store, "durable", 3);
    blob = store->messages(box, Uids{2})->front().blob;
    REQUIRE(store->expunge(box, Uids{2})->size() == 1);
  }
  auto store = open_store(dir);
  CHECK(index_uids(*store, box) == Uids{1, 3});
  CHECK(store->blob_info(blob).error().code == Errc::not_found);
  MailboxInfo info = inbox_of(*store, store->find_account("durable")->id);
  CHECK(info.messages == 2);
  CHECK(info.unseen == 2);
}

TEST_CASE("a failed commit leaves the messages in place") {
  TempDir dir;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 64 * 1024});
  REQUIRE(opened.ok());
  rocks::RocksStore& store = **opened;
  MailboxId box = inbox_with(store, "fail", 2);
  BlobId blob = store.messages(box, Uids{1})->front().blob;
  store.fail_next_writes_for_testing(1);
  auto r = store.expunge(box, Uids{1});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::temp);
  CHECK(index_uids(store, box) == Uids{1, 2});
  CHECK(store.blob_info(blob)->refs == 1);
  REQUIRE(store.expunge(box, Uids{1})->size() == 1);  // and works once the disk does
  CHECK(index_uids(store, box) == Uids{2});
}

TEST_CASE("a refcount that would go below zero fails the request as internal instead of being clamped") {
  TempDir dir;
  Options options;
  options.path = dir.path();
  options.sync = false;
  auto opened = rocks::RocksStore::open(options);
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = store.create_account("a", "h")->id;
  auto copies = store.deliver("shared", std::vector<AccountId>{a, a}, 0);
  REQUIRE(copies.ok());
  const MailboxId inbox = inbox_of(store, a).id;
  const BlobId blob = store.messages(inbox, std::vector<uint32_t>{1})->front().blob;
  REQUIRE(store.set_blob_refs_for_testing(blob, 1).ok());  // two messages, one reference: corrupt
  auto r = store.expunge(inbox, std::vector<uint32_t>{1, 2});
  REQUIRE_FALSE(r.ok());
  // The request is rolled back to its savepoint (nothing is written); the
  // error names the key.
  CHECK(r.error().code == Errc::internal);
  CHECK(r.error().message.find("refcount of blob " + std::to_string(blob)) != std::string::npos);
  CHECK(store.stats().failed_commits == 0);
  // Nothing of the failed request is visible.
  CHECK(inbox_of(store, a).messages == 2);
  CHECK(store.blob_info(blob)->refs == 1);
}

}  // namespace storage_expunge_test

namespace storage_expunge_test {

TEST_CASE("expunge_deleted_async removes only the messages that still carry \\Deleted") {
  TempDir dir;
  auto store = open_store(dir);
  const MailboxId box = inbox_with(*store, "a", 5);
  // IMAP EXPUNGE read 1, 3 and 5 as \Deleted; 3 lost the flag before the commit.
  REQUIRE(store->update_flags(box, Uids{1, 3, 5}, FlagOp::add, kDeleted).ok());
  REQUIRE(store->update_flags(box, Uids{3}, FlagOp::remove, kDeleted).ok());
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<Uids>> out;
  store->expunge_deleted_async(box, Uids{1, 3, 5}, [&](Result<Uids> r) {
    std::lock_guard lock(mu);
    out = std::move(r);
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return out.has_value(); }));
  REQUIRE(out->ok());
  CHECK(**out == Uids{1, 5});
  CHECK(index_uids(*store, box) == Uids{2, 3, 4});
}

}  // namespace storage_expunge_test

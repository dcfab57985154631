// Store::replace (RFC 8508 REPLACE): the new message and the old one's
// expunge in one commit, all or none; same or another mailbox; the quota the
// old message frees is usable by the new one.
#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_replace_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

std::unique_ptr<BodyWriter> body_of(Store& store, std::string_view text) {
  auto w = store.begin_body();
  REQUIRE(w.ok());
  REQUIRE((*w)->write(text).ok());
  return std::move(*w);
}

DeliveryTarget target(AccountId a, std::string mailbox) {
  DeliveryTarget t;
  t.account = a;
  t.mailbox = std::move(mailbox);
  t.internal_date = 1700000000;
  t.flags = kDraft;
  return t;
}

void require_consistent(Store& store) {
  auto issues = store.check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());
}

}  // namespace

TEST_CASE("replace appends and expunges in one commit, in the same or another mailbox") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto first = body_of(*store, "Subject: v1\r\n\r\nold\r\n");
  REQUIRE(store->append(*first, target(a, "Drafts")).ok());
  MailboxInfo drafts = *store->find_mailbox(a, "Drafts");
  const uint64_t commits = store->stats().commits;
  auto second = body_of(*store, "Subject: v2\r\n\r\nnewer\r\n");
  BlobId second_blob = second->blob();
  auto copy = store->replace(*second, target(a, "Drafts"), drafts.id, 1);
  REQUIRE(copy.ok());
  CHECK(store->stats().commits == commits + 1);
  CHECK(copy->uid == 2);
  CHECK(copy->mailbox == drafts.id);
  auto index = store->message_index(drafts.id);
  REQUIRE(index.ok());
  REQUIRE(index->size() == 1);
  CHECK((*index)[0].uid == 2);
  CHECK((*index)[0].flags == kDraft);
  CHECK(store->blob_info(second_blob)->refs == 1);
  CHECK(store->quota(a)->messages == 1);
  CHECK(store->expunged_since(drafts.id, 0)->size() == 1);
  // Into another mailbox: the old one leaves Drafts, the new one lands in Sent.
  auto third = body_of(*store, "Subject: v3\r\n\r\nsent\r\n");
  copy = store->replace(*third, target(a, "Sent"), drafts.id, 2);
  REQUIRE(copy.ok());
  CHECK(store->find_mailbox(a, "Drafts")->messages == 0);
  CHECK(store->find_mailbox(a, "Sent")->messages == 1);
  CHECK(store->blob_info(second_blob).error().code == Errc::not_found);
  require_consistent(*store);
}

TEST_CASE("replace stores nothing when the old message is gone or the target fails") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto first = body_of(*store, "Subject: v1\r\n\r\nold\r\n");
  REQUIRE(store->append(*first, target(a, "INBOX")).ok());
  const MailboxInfo inbox = inbox_of(*store, a);
  auto run = [&](const DeliveryTarget& t, uint32_t old_uid) {
    auto w = body_of(*store, "Subject: v2\r\n\r\nnew\r\n");
    BlobId blob = w->blob();
    auto r = store->replace(*w, t, inbox.id, old_uid);
    CHECK(store->blob_info(blob).error().code == Errc::not_found);  // the new body is removed
    return r;
  };
  auto r = run(target(a, "INBOX"), 7);
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::expunged);
  r = run(target(a, "Nope"), 1);
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK(inbox_of(*store, a).messages == 1);  // the old message stays
  CHECK(inbox_of(*store, a).uidnext == 2);
  CHECK(store->expunged_since(inbox.id, 0)->empty());
  // A limit of one message: the old one's place is the new one's.
  REQUIRE(store->set_quota(a, 0, 1).ok());
  auto w = body_of(*store, "x\r\n");
  REQUIRE(store->replace(*w, target(a, "INBOX"), inbox.id, 1).ok());
  CHECK(inbox_of(*store, a).messages == 1);
  require_consistent(*store);
}

TEST_CASE("replace_async: the same outcomes without waiting, the body kept or removed by the outcome") {
  TempDir dir;
  auto store = open_store(dir, 64 * 1024, /*sync=*/true);
  const AccountId a = store->create_account("a", "h")->id;
  auto first = body_of(*store, "Subject: v1\r\n\r\nold\r\n");
  REQUIRE(store->append(*first, target(a, "Drafts")).ok());
  const MailboxInfo drafts = *store->find_mailbox(a, "Drafts");
  auto run = [&](uint32_t old_uid) {
    auto w = body_of(*store, "Subject: v2\r\n\r\nnewer\r\n");
    BlobId blob = w->blob();
    std::promise<Result<DeliveredCopy>> outcome;
    store->replace_async(std::move(w), target(a, "Drafts"), drafts.id, old_uid,
                         [&](Result<DeliveredCopy> r) { outcome.set_value(std::move(r)); });
    auto f = outcome.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto r = f.get();
    CHECK(store->blob_info(blob).ok() == r.ok());
    return r;
  };
  auto r = run(9);
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::expunged);
  r = run(1);
  REQUIRE(r.ok());
  CHECK(r->uid == 2);
  CHECK(store->find_mailbox(a, "Drafts")->messages == 1);
  CHECK(*store->expunged_since(drafts.id, 0) == std::vector<uint32_t>{1});
  require_consistent(*store);
}

}  // namespace storage_replace_test

// Store::append_many (RFC 3502 MULTIAPPEND): several bodies, one batch, all
// or none; a failing target leaves no message, no quota charge and no body.
#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_append_many_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

struct Batch {
  std::vector<std::unique_ptr<BodyWriter>> owned;
  std::vector<BodyWriter*> writers;
  std::vector<BlobId> blobs;
};

Batch write_bodies(Store& store, const std::vector<std::string>& bodies) {
  Batch b;
  for (const std::string& body : bodies) {
    auto w = store.begin_body();
    REQUIRE(w.ok());
    REQUIRE((*w)->write(body).ok());
    b.blobs.push_back((*w)->blob());
    b.writers.push_back(w->get());
    b.owned.push_back(std::move(*w));
  }
  return b;
}

DeliveryTarget target(AccountId a, std::string mailbox, uint32_t flags = 0) {
  DeliveryTarget t;
  t.account = a;
  t.mailbox = std::move(mailbox);
  t.flags = flags;
  t.internal_date = 1700000000;
  return t;
}

}  // namespace

TEST_CASE("append_many stores every body, in order, in one commit") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  Batch b = write_bodies(*store, {"Subject: 1\r\n\r\none\r\n", "Subject: 2\r\n\r\ntwo!\r\n", "Subject: 3\r\n\r\n3\r\n"});
  std::vector<DeliveryTarget> targets = {target(a, "INBOX", kSeen), target(a, "INBOX"), target(a, "Sent")};
  const uint64_t commits = store->stats().commits;
  auto copies = store->append_many(b.writers, targets);
  REQUIRE(copies.ok());
  CHECK(store->stats().commits == commits + 1);
  REQUIRE(copies->size() == 3);
  CHECK((*copies)[0].uid == 1);
  CHECK((*copies)[1].uid == 2);
  CHECK((*copies)[2].uid == 1);  // Sent's first
  CHECK((*copies)[0].uidvalidity == inbox_of(*store, a).uidvalidity);
  auto metas = store->messages(inbox_of(*store, a).id, std::vector<uint32_t>{1, 2});
  REQUIRE(metas.ok());
  REQUIRE(metas->size() == 2);
  CHECK((*metas)[0].flags == kSeen);
  CHECK(*store->read_body((*metas)[1].blob, 0, 100) == "Subject: 2\r\n\r\ntwo!\r\n");
  auto q = store->quota(a);
  REQUIRE(q.ok());
  CHECK(q->messages == 3);
  CHECK(q->bytes == 19 + 20 + 17);
  for (BlobId blob : b.blobs) CHECK(store->blob_info(blob)->refs == 1);
  auto issues = store->check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());
}

TEST_CASE("append_many stores nothing when one target fails") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto run = [&](std::vector<DeliveryTarget> targets) {
    Batch b = write_bodies(*store, std::vector<std::string>(targets.size(), "Subject: x\r\n\r\nbody\r\n"));
    auto r = store->append_many(b.writers, targets);
    for (BlobId blob : b.blobs) CHECK(store->blob_info(blob).error().code == Errc::not_found);
    return r;
  };
  // The last of three goes to a mailbox that does not exist.
  auto r = run({target(a, "INBOX"), target(a, "Sent"), target(a, "Nope")});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK(inbox_of(*store, a).messages == 0);
  CHECK(inbox_of(*store, a).uidnext == 1);
  CHECK(store->find_mailbox(a, "Sent")->messages == 0);
  CHECK(store->quota(a)->messages == 0);
  // The third passes the message limit: the first two are not kept either.
  REQUIRE(store->set_quota(a, 0, 2).ok());
  r = run({target(a, "INBOX"), target(a, "INBOX"), target(a, "INBOX")});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::no_quota);
  CHECK(inbox_of(*store, a).messages == 0);
  CHECK(store->quota(a)->messages == 0);
  // Within the limit it works.
  Batch ok = write_bodies(*store, {"x\r\n", "y\r\n"});
  std::vector<DeliveryTarget> two = {target(a, "INBOX"), target(a, "INBOX")};
  REQUIRE(store->append_many(ok.writers, two).ok());
  CHECK(inbox_of(*store, a).messages == 2);
  auto issues = store->check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());
}

TEST_CASE("append_many wants one target per body") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  Batch b = write_bodies(*store, {"a\r\n", "b\r\n"});
  std::vector<DeliveryTarget> one = {target(a, "INBOX")};
  auto r = store->append_many(b.writers, one);
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::bad_input);
  for (BlobId blob : b.blobs) CHECK(store->blob_info(blob).error().code == Errc::not_found);
  CHECK(!store->append_many({}, {}).ok());
}

TEST_CASE("append_many_async: the same outcomes without waiting, bodies kept or removed by the outcome") {
  TempDir dir;
  auto store = open_store(dir, 64 * 1024, /*sync=*/true);
  const AccountId a = store->create_account("a", "h")->id;
  auto run = [&](std::vector<DeliveryTarget> targets) {
    Batch b = write_bodies(*store, std::vector<std::string>(targets.size(), "Subject: x\r\n\r\nbody\r\n"));
    std::promise<Result<std::vector<DeliveredCopy>>> outcome;
    store->append_many_async(std::move(b.owned), targets,
                             [&](Result<std::vector<DeliveredCopy>> r) { outcome.set_value(std::move(r)); });
    auto f = outcome.get_future();
    REQUIRE(f.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    auto r = f.get();
    for (BlobId blob : b.blobs) CHECK(store->blob_info(blob).ok() == r.ok());  // linked, or removed
    return r;
  };
  auto r = run({target(a, "INBOX"), target(a, "Nope")});
  REQUIRE(!r.ok());
  CHECK(r.error().code == Errc::not_found);
  CHECK(inbox_of(*store, a).messages == 0);
  r = run({target(a, "INBOX"), target(a, "Sent", kSeen), target(a, "INBOX")});
  REQUIRE(r.ok());
  REQUIRE(r->size() == 3);
  CHECK((*r)[0].uid == 1);
  CHECK((*r)[2].uid == 2);
  CHECK(inbox_of(*store, a).messages == 2);
  CHECK(store->find_mailbox(a, "Sent")->messages == 1);
  auto issues = store->check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());
}

}  // namespace storage_append_many_test

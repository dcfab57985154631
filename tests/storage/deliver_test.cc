// Delivery targets: each (account, mailbox, flags, keywords, date) target
// gets its own outcome; a failing target does not stop the others.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_deliver_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

Result<std::vector<DeliveryOutcome>> deliver_to(Store& store, std::string_view body,
                                                const std::vector<DeliveryTarget>& targets) {
  auto w = store.begin_body();
  REQUIRE(w.ok());
  REQUIRE((*w)->write(body).ok());
  return store.deliver(**w, targets);
}

DeliveryTarget target(AccountId a, std::string mailbox = "INBOX") {
  DeliveryTarget t;
  t.account = a;
  t.mailbox = std::move(mailbox);
  return t;
}

}  // namespace

TEST_CASE("targets get their own mailbox, flags, keywords and internal date") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  DeliveryTarget sent = target(a, "Sent");
  sent.flags = kSeen | kDraft;
  sent.keywords = {"$Forwarded", "Work"};
  sent.internal_date = 1234567890;
  sent.tz_offset_minutes = -300;
  auto out = deliver_to(*store, "Subject: x\r\n\r\nhi\r\n", {target(a), sent});
  REQUIRE(out.ok());
  REQUIRE(out->size() == 2);
  REQUIRE((*out)[0].ok());
  REQUIRE((*out)[1].ok());
  const MailboxInfo box = *store->find_mailbox(a, "Sent");
  CHECK((*out)[1]->mailbox == box.id);
  CHECK((*out)[1]->uidvalidity == box.uidvalidity);
  auto meta = store->messages(box.id, std::vector<uint32_t>{(*out)[1]->uid});
  REQUIRE(meta->size() == 1);
  const MessageMeta& m = meta->front();
  CHECK(m.flags == (kSeen | kDraft));
  CHECK(m.keywords == std::vector<std::string>{"$Forwarded", "Work"});
  CHECK(m.internal_date == 1234567890);
  CHECK(m.tz_offset_minutes == -300);
  CHECK(box.messages == 1);
  CHECK(box.unseen == 0);  // delivered \Seen
  CHECK(inbox_of(*store, a).unseen == 1);
  CHECK(*store->mailbox_keywords(box.id) == std::vector<std::string>{"$Forwarded", "Work"});
  CHECK(store->blob_info(m.blob)->refs == 2);
}

TEST_CASE("a failing target is a per-target value and the others are stored") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const AccountId b = store->create_account("b", "h")->id;
  REQUIRE(store->set_quota(b, 10, 0).ok());  // b holds at most 10 bytes
  const std::string body = "Subject: over ten bytes\r\n\r\n";
  auto out = deliver_to(*store, body, {target(a), target(a, "Gone"), target(b), target(a, "Trash"), target(4242)});
  REQUIRE(out.ok());
  REQUIRE(out->size() == 5);
  CHECK((*out)[0].ok());
  CHECK((*out)[1].error().code == Errc::not_found);
  CHECK((*out)[2].error().code == Errc::no_quota);
  CHECK((*out)[3].ok());
  CHECK((*out)[4].error().code == Errc::not_found);
  CHECK(inbox_of(*store, a).messages == 1);
  CHECK(store->find_mailbox(a, "Trash")->messages == 1);
  CHECK(inbox_of(*store, b).messages == 0);
  CHECK(store->quota(b)->bytes == 0);
  CHECK(store->quota(a)->bytes == 2 * body.size());
  CHECK(store->quota(a)->messages == 2);
  // Two references for the two messages stored, not five.
  auto meta = store->messages((*out)[0]->mailbox, std::vector<uint32_t>{(*out)[0]->uid});
  CHECK(store->blob_info(meta->front().blob)->refs == 2);
}

TEST_CASE("append is one target whose failure is the call's failure") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto w = store->begin_body();
  REQUIRE((*w)->write("x").ok());
  auto bad = store->append(**w, target(a, "Nowhere"));
  CHECK(bad.error().code == Errc::not_found);
  auto w2 = store->begin_body();
  REQUIRE((*w2)->write("x").ok());
  auto good = store->append(**w2, target(a, "Drafts"));
  REQUIRE(good.ok());
  CHECK(good->uid == 1);
}

TEST_CASE("the message quota counts messages; usage follows expunge") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  REQUIRE(store->set_quota(a, 0, 2).ok());
  CHECK(store->quota(a)->message_limit == 2);
  auto one = store->deliver("1", std::vector<AccountId>{a}, 0);
  REQUIRE(one.ok());
  REQUIRE(store->deliver("2", std::vector<AccountId>{a}, 0).ok());
  CHECK(store->deliver("3", std::vector<AccountId>{a}, 0).error().code == Errc::no_quota);
  // Copying would also pass the limit: refused before anything is stored.
  const MailboxId inbox = inbox_of(*store, a).id;
  const MailboxId trash = store->find_mailbox(a, "Trash")->id;
  CHECK(store->copy(inbox, std::vector<uint32_t>{1}, trash).error().code == Errc::no_quota);
  CHECK(store->find_mailbox(a, "Trash")->messages == 0);
  REQUIRE(store->expunge(inbox, std::vector<uint32_t>{1}).ok());
  CHECK(store->quota(a)->messages == 1);
  CHECK(store->quota(a)->bytes == 1);
  CHECK(store->deliver("3", std::vector<AccountId>{a}, 0).ok());
}

}  // namespace storage_deliver_test

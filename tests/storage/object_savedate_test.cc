// Schema 3: the store's object-id key (RFC 8474 identifiers are derived from
// it above storage) and the save date of each message (RFC 8514), with the
// upgrade of stores written before either existed.
#include <doctest/doctest.h>

#include <ctime>
#include <string>
#include <vector>

#include "storage/rocks/check.h"
#include "storage/rocks/keys.h"
#include "tests/storage/temp_store.h"

namespace storage_object_savedate_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::rocks::RawEdit;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;
namespace r = loft::storage::rocks;

namespace {
using Uids = std::vector<uint32_t>;

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

// Closes the store, writes raw edits, reopens it.
void edit(std::unique_ptr<Store>& store, const TempDir& dir, std::vector<RawEdit> edits) {
  store.reset();
  auto done = r::edit_raw_for_testing(dir.path(), edits);
  REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
  store = open_store(dir);
}
}  // namespace

TEST_CASE("the object key is made at the first open, kept across reopens, and differs between stores") {
  TempDir dir, other;
  std::string key;
  {
    auto store = open_store(dir);
    key = store->object_key();
    CHECK(key.size() == r::kObjectKeySize);
  }
  auto again = open_store(dir);
  CHECK(again->object_key() == key);
  CHECK(open_store(other)->object_key() != key);
  auto issues = again->check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());  // the key row is no finding
}

TEST_CASE("a store from before the object key gets one at open; a malformed key fails the open") {
  TempDir dir;
  auto store = open_store(dir);
  std::string first = store->object_key();
  edit(store, dir, {RawEdit{r::kMetaCf, std::string(r::kObjectKeyKey), std::nullopt}});
  CHECK(store->object_key().size() == r::kObjectKeySize);
  CHECK(store->object_key() != first);  // a new one: nothing was derived from the old store's absent key
  store.reset();
  std::vector<RawEdit> bad{RawEdit{r::kMetaCf, std::string(r::kObjectKeyKey), r::encode_bytes("short")}};
  REQUIRE(r::edit_raw_for_testing(dir.path(), bad).ok());
  Options options;
  options.path = dir.path();
  options.sync = false;
  CHECK_FALSE(Store::open(options).ok());
}

TEST_CASE("a message record with a save date is version 2 and ends with it; one without stays version 1") {
  MessageMeta m;
  m.modseq = 5;
  m.flags = kSeen;
  m.keywords = {"$Work"};
  m.internal_date = 100;
  m.size = 10;
  m.blob = 7;
  std::string v1 = r::encode_message(m);
  CHECK(v1[0] == 1);
  auto d1 = r::decode_message(3, v1);
  REQUIRE(d1);
  CHECK_FALSE(d1->save_date);
  m.save_date = 1700000000;
  std::string v2 = r::encode_message(m);
  CHECK(v2[0] == 2);
  CHECK(v2.size() == v1.size() + 8);
  CHECK(v2.substr(1, v1.size() - 1) == v1.substr(1));  // same fields, then the save date
  auto d2 = r::decode_message(3, v2);
  REQUIRE(d2);
  CHECK(d2->save_date == 1700000000);
  CHECK(d2->keywords == m.keywords);
  CHECK_FALSE(r::decode_message(3, v2.substr(0, v2.size() - 1)));  // cut short
  std::string v3 = v2;
  v3[0] = 3;
  CHECK_FALSE(r::decode_message(3, v3));  // a newer version is not guessed at
}

TEST_CASE("delivery, copy and move give the message the time it was saved there, not its internal date") {
  TempDir dir;
  auto store = open_store(dir);
  AccountId a = store->create_account("alice", "h")->id;
  int64_t before = now();
  REQUIRE(store->deliver("Subject: x\r\n\r\nbody", std::vector<AccountId>{a}, 1000).ok());
  MailboxId inbox = inbox_of(*store, a).id;
  auto m = store->messages(inbox, Uids{1});
  REQUIRE(m.ok());
  REQUIRE(m->at(0).save_date);
  CHECK(m->at(0).internal_date == 1000);
  CHECK(*m->at(0).save_date >= before);
  CHECK(*m->at(0).save_date <= now());
  auto box = store->create_mailbox(a, "Work");
  REQUIRE(box.ok());
  REQUIRE(store->copy(inbox, Uids{1}, box->id).ok());
  REQUIRE(store->move(inbox, Uids{1}, box->id).ok());
  auto copies = store->messages(box->id, Uids{1, 2});
  REQUIRE(copies.ok());
  REQUIRE(copies->size() == 2);
  for (const auto& c : *copies) {
    REQUIRE(c.save_date);
    CHECK(*c.save_date >= before);
    CHECK(c.internal_date == 1000);  // the internal date travels with the message
  }
}

TEST_CASE("a message stored before save dates reads without one and keeps none when its flags change") {
  TempDir dir;
  auto store = open_store(dir);
  AccountId a = store->create_account("alice", "h")->id;
  REQUIRE(store->deliver("Subject: old\r\n\r\nbody", std::vector<AccountId>{a}, 1000).ok());
  MailboxId inbox = inbox_of(*store, a).id;
  MessageMeta old = store->messages(inbox, Uids{1})->at(0);
  old.save_date.reset();  // as a schema-2 release wrote it: version 1
  edit(store, dir, {RawEdit{r::kMessagesCf, r::message_key(inbox, 1), r::encode_message(old)}});
  auto m = store->messages(inbox, Uids{1});
  REQUIRE(m.ok());
  REQUIRE(m->size() == 1);
  CHECK_FALSE(m->at(0).save_date);
  REQUIRE(store->update_flags(inbox, Uids{1}, FlagOp::add, kFlagged).ok());
  m = store->messages(inbox, Uids{1});
  CHECK(m->at(0).flags == kFlagged);
  CHECK_FALSE(m->at(0).save_date);
  auto issues = store->check(false);
  REQUIRE(issues.ok());
  CHECK(issues->empty());
}

}  // namespace storage_object_savedate_test

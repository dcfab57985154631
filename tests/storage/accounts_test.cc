#include <doctest/doctest.h>

#include "tests/storage/temp_store.h"

namespace storage_accounts_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

TEST_CASE("a created account has an id, a lower-case name, an empty INBOX first and the special-use mailboxes") {
  TempDir dir;
  auto store = open_store(dir);
  auto list = store->list_accounts();
  REQUIRE(list.ok());
  CHECK(list->empty());

  auto alice = store->create_account("Alice@Example.ORG", "hash-1");
  REQUIRE(alice.ok());
  CHECK(alice->id != 0);
  CHECK(alice->name == "alice@example.org");
  CHECK(alice->password_hash == "hash-1");

  auto boxes = store->list_mailboxes(alice->id);
  REQUIRE(boxes.ok());
  REQUIRE(boxes->size() == 6);
  auto found = store->find_mailbox(alice->id, "INBOX");
  REQUIRE(found.ok());
  const MailboxInfo& inbox = *found;
  CHECK(inbox.name == "INBOX");
  CHECK(inbox.account == alice->id);
  CHECK(inbox.uidvalidity != 0);
  CHECK(inbox.uidnext == 1);
  CHECK(inbox.highestmodseq == 1);
  CHECK(inbox.messages == 0);
  CHECK(inbox.unseen == 0);
}

TEST_CASE("accounts are found case-insensitively and a taken name fails with exists") {
  TempDir dir;
  auto store = open_store(dir);
  auto bob = store->create_account("bob", "h");
  REQUIRE(bob.ok());
  auto found = store->find_account("BoB");
  REQUIRE(found.ok());
  CHECK(found->id == bob->id);
  CHECK(found->name == "bob");

  auto again = store->create_account("BOB", "other");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == Errc::exists);
  auto missing = store->find_account("carol");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
  CHECK(store->create_account("", "h").error().code == Errc::bad_input);
}

TEST_CASE("accounts are listed sorted by name") {
  TempDir dir;
  auto store = open_store(dir);
  for (const char* name : {"mallory", "Alice", "bob", "zed"}) REQUIRE(store->create_account(name, "h").ok());
  auto list = store->list_accounts();
  REQUIRE(list.ok());
  REQUIRE(list->size() == 4);
  CHECK((*list)[0].name == "alice");
  CHECK((*list)[1].name == "bob");
  CHECK((*list)[2].name == "mallory");
  CHECK((*list)[3].name == "zed");
}

TEST_CASE("set_password replaces the hash and fails for a missing account") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->create_account("dave", "old").ok());
  REQUIRE(store->set_password("DAVE", "new").ok());
  CHECK(store->find_account("dave")->password_hash == "new");
  auto missing = store->set_password("erin", "x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("delete_account removes the account and its mailboxes") {
  TempDir dir;
  auto store = open_store(dir);
  auto frank = store->create_account("frank", "h");
  REQUIRE(frank.ok());
  auto inbox = testing::inbox_of(*store, frank->id);
  REQUIRE(store->delete_account("Frank").ok());
  CHECK(store->find_account("frank").error().code == Errc::not_found);
  CHECK(store->list_mailboxes(frank->id).error().code == Errc::not_found);
  CHECK(store->find_mailbox(frank->id, "INBOX").error().code == Errc::not_found);
  CHECK(store->message_index(inbox.id).error().code == Errc::not_found);
  CHECK(store->delete_account("frank").error().code == Errc::not_found);

  // The name is free again, with a new id and a new UIDVALIDITY.
  auto again = store->create_account("frank", "h2");
  REQUIRE(again.ok());
  CHECK(again->id != frank->id);
  CHECK(testing::inbox_of(*store, again->id).uidvalidity != inbox.uidvalidity);
}

TEST_CASE("find_mailbox matches INBOX in any case and other names exactly") {
  TempDir dir;
  auto store = open_store(dir);
  auto acct = store->create_account("gina", "h");
  REQUIRE(acct.ok());
  for (const char* name : {"INBOX", "inbox", "InBoX"}) {
    auto m = store->find_mailbox(acct->id, name);
    REQUIRE(m.ok());
    CHECK(m->name == "INBOX");
  }
  CHECK(store->find_mailbox(acct->id, "sent").error().code == Errc::not_found);
  CHECK(store->find_mailbox(acct->id + 100, "INBOX").error().code == Errc::not_found);
}

TEST_CASE("every new mailbox gets a distinct nonzero UIDVALIDITY") {
  TempDir dir;
  auto store = open_store(dir);
  uint32_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto acct = store->create_account("user" + std::to_string(i), "h");
    REQUIRE(acct.ok());
    uint32_t v = testing::inbox_of(*store, acct->id).uidvalidity;
    CHECK(v != 0);
    CHECK(v > last);
    last = v;
  }
}

TEST_CASE("opening a store that is already open fails with in_use") {
  TempDir dir;
  auto store = open_store(dir);
  Options options;
  options.path = dir.path();
  auto second = Store::open(options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == Errc::in_use);
  CHECK(second.error().message.find(dir.path()) != std::string::npos);

  store.reset();  // closing releases the lock
  auto third = Store::open(options);
  CHECK(third.ok());
}

TEST_CASE("opening without a path fails with bad_input") {
  Options options;
  auto store = Store::open(options);
  REQUIRE_FALSE(store.ok());
  CHECK(store.error().code == Errc::bad_input);
}

}  // namespace storage_accounts_test

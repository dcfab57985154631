// Annotations (RFC 5464 data): set/get/delete per account and per mailbox,
// depth listing, limits and usage, and their life with the mailbox (RENAME
// keeps them, DELETE and re-CREATE does not) and with the account.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_metadata_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

Result<void> put(Store& s, AccountId a, MailboxId m, std::string name, std::optional<std::string> value,
                 MetadataLimits limits = {}) {
  std::vector<MetadataWrite> w{MetadataWrite{std::move(name), std::move(value)}};
  return s.set_metadata(a, m, w, limits);
}

std::vector<std::string> names(Store& s, AccountId a, MailboxId m, std::string_view name, MetadataDepth depth) {
  auto got = s.get_metadata(a, m, name, depth);
  REQUIRE(got.ok());
  std::vector<std::string> out;
  for (const auto& e : *got) out.push_back(e.name + "=" + e.value);
  return out;
}

MailboxId id_of(Store& s, AccountId a, const char* name) {
  auto m = s.find_mailbox(a, name);
  REQUIRE(m.ok());
  return m->id;
}

}  // namespace

TEST_CASE("annotations: set, get case-insensitively, overwrite, delete; server and mailbox scopes apart") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const MailboxId inbox = id_of(*store, a, "INBOX");
  REQUIRE(put(*store, a, 0, "/shared/Comment", "server").ok());
  REQUIRE(put(*store, a, inbox, "/private/comment", "inbox").ok());
  CHECK(names(*store, a, 0, "/SHARED/comment", MetadataDepth::exact) == std::vector<std::string>{"/shared/comment=server"});
  CHECK(names(*store, a, 0, "/private/comment", MetadataDepth::exact).empty());
  CHECK(names(*store, a, inbox, "/private/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/private/comment=inbox"});
  REQUIRE(put(*store, a, inbox, "/private/comment", "again").ok());
  CHECK(names(*store, a, inbox, "/private/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/private/comment=again"});
  CHECK(store->metadata_usage(a)->entries == 2);
  CHECK(store->metadata_usage(a)->bytes == 15 + 6 + 16 + 5);
  REQUIRE(put(*store, a, inbox, "/private/COMMENT", std::nullopt).ok());
  REQUIRE(put(*store, a, inbox, "/private/absent", std::nullopt).ok());  // not an error
  CHECK(names(*store, a, inbox, "/private/comment", MetadataDepth::exact).empty());
  CHECK(store->metadata_usage(a)->entries == 1);
  CHECK(store->metadata_usage(a)->bytes == 21);
}

TEST_CASE("annotations: depth 0, 1 and infinity list the entry and what lies below it") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  std::vector<MetadataWrite> w{{"/private/v", "0"}, {"/private/v/a", "1"}, {"/private/v/a/b", "2"},
                               {"/private/v/c", "3"}, {"/private/vx", "4"}, {"/private/v/a/b/c", "5"}};
  REQUIRE(store->set_metadata(a, 0, w, {}).ok());
  CHECK(names(*store, a, 0, "/private/v", MetadataDepth::exact) == std::vector<std::string>{"/private/v=0"});
  CHECK(names(*store, a, 0, "/private/v", MetadataDepth::children) ==
        std::vector<std::string>{"/private/v=0", "/private/v/a=1", "/private/v/c=3"});
  CHECK(names(*store, a, 0, "/private/v", MetadataDepth::all) ==
        std::vector<std::string>{"/private/v=0", "/private/v/a=1", "/private/v/a/b=2", "/private/v/a/b/c=5",
                                 "/private/v/c=3"});
  CHECK(names(*store, a, 0, "/private/v/a", MetadataDepth::children) ==
        std::vector<std::string>{"/private/v/a=1", "/private/v/a/b=2"});
  // An entry that is not set still lists what is below it.
  CHECK(names(*store, a, 0, "/private", MetadataDepth::children) ==
        std::vector<std::string>{"/private/v=0", "/private/vx=4"});
}

TEST_CASE("annotations: limits refuse growth, all or none, and allow shrinking") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const MailboxId inbox = id_of(*store, a, "INBOX");
  MetadataLimits limits{10, 3, 0};
  CHECK(put(*store, a, 0, "/private/x", std::string(11, 'x'), limits).error().code == Errc::too_big);
  CHECK(put(*store, a, 0, "/private/x", std::string(10, 'x'), limits).ok());
  CHECK(put(*store, a, inbox, "/private/y", "1", limits).ok());
  std::vector<MetadataWrite> two{{"/private/z", "1"}, {"/private/w", "2"}};
  CHECK(store->set_metadata(a, inbox, two, limits).error().code == Errc::limit);
  // All or none: neither was stored.
  CHECK(names(*store, a, inbox, "/private", MetadataDepth::all) == std::vector<std::string>{"/private/y=1"});
  CHECK(store->metadata_usage(a)->entries == 2);
  // Replacing one and adding one within the bound in one request.
  std::vector<MetadataWrite> swap{{"/private/y", std::nullopt}, {"/private/z", "1"}, {"/private/w", "2"}};
  CHECK(store->set_metadata(a, inbox, swap, limits).ok());
  CHECK(store->metadata_usage(a)->entries == 3);
  // A byte bound: above it, growth fails but a smaller value is accepted.
  MetadataLimits bytes{0, 0, 40};
  CHECK(put(*store, a, 0, "/private/x", std::string(20, 'x'), bytes).error().code == Errc::limit);
  MetadataLimits tight{0, 0, 5};
  CHECK(put(*store, a, 0, "/private/x", "x", tight).ok());
  CHECK(store->metadata_usage(a)->bytes == 11 + 11 + 11);
}

TEST_CASE("annotations: unknown mailbox, another account's mailbox and no account are not_found") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const AccountId b = store->create_account("b", "h")->id;
  const MailboxId b_inbox = id_of(*store, b, "INBOX");
  REQUIRE(put(*store, b, b_inbox, "/shared/comment", "b's").ok());
  CHECK(put(*store, a, b_inbox, "/shared/comment", "a's").error().code == Errc::not_found);
  CHECK(store->get_metadata(a, b_inbox, "/shared/comment", MetadataDepth::exact).error().code == Errc::not_found);
  CHECK(put(*store, a, 424242, "/shared/comment", "x").error().code == Errc::not_found);
  CHECK(put(*store, 999, 0, "/shared/comment", "x").error().code == Errc::not_found);
  CHECK(names(*store, a, 0, "/shared", MetadataDepth::all).empty());
  CHECK(names(*store, b, b_inbox, "/shared/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/shared/comment=b's"});
  CHECK(store->metadata_usage(a)->entries == 0);
}

TEST_CASE("annotations: RENAME keeps them, DELETE drops them and their usage, re-CREATE starts empty") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  REQUIRE(store->create_mailbox(a, "Work").ok());
  REQUIRE(store->create_mailbox(a, "Work/Sub").ok());
  REQUIRE(put(*store, a, id_of(*store, a, "Work"), "/private/comment", "work").ok());
  REQUIRE(put(*store, a, id_of(*store, a, "Work/Sub"), "/shared/comment", "sub").ok());
  REQUIRE(store->rename_mailbox(a, "Work", "Job").ok());
  CHECK(names(*store, a, id_of(*store, a, "Job"), "/private/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/private/comment=work"});
  CHECK(names(*store, a, id_of(*store, a, "Job/Sub"), "/shared/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/shared/comment=sub"});
  const MailboxId old = id_of(*store, a, "Job");
  REQUIRE(store->delete_mailbox(a, "Job").ok());
  CHECK(store->metadata_usage(a)->entries == 1);
  CHECK(store->get_metadata(a, old, "/private/comment", MetadataDepth::exact).error().code == Errc::not_found);
  REQUIRE(store->create_mailbox(a, "Job").ok());
  CHECK(names(*store, a, id_of(*store, a, "Job"), "/private", MetadataDepth::all).empty());
  CHECK(store->check(false)->empty());
}

TEST_CASE("annotations: deleting an account drops all of them; a new account of that name has none") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  REQUIRE(put(*store, a, 0, "/private/x", "1").ok());
  REQUIRE(put(*store, a, id_of(*store, a, "Sent"), "/private/y", "2").ok());
  REQUIRE(store->delete_account("a").ok());
  CHECK(store->metadata_usage(a)->entries == 0);
  const AccountId again = store->create_account("a", "h")->id;
  CHECK(names(*store, again, 0, "/private", MetadataDepth::all).empty());
  CHECK(names(*store, again, id_of(*store, again, "Sent"), "/private", MetadataDepth::all).empty());
}

TEST_CASE("annotations persist across a reopen") {
  TempDir dir;
  AccountId a = 0;
  {
    auto store = open_store(dir, 64 * 1024, true);
    a = store->create_account("a", "h")->id;
    REQUIRE(put(*store, a, id_of(*store, a, "INBOX"), "/shared/comment", "kept").ok());
  }
  auto store = open_store(dir);
  CHECK(names(*store, a, id_of(*store, a, "INBOX"), "/shared/comment", MetadataDepth::exact) ==
        std::vector<std::string>{"/shared/comment=kept"});
  CHECK(store->metadata_usage(a)->entries == 1);
}

}  // namespace storage_metadata_test

#include <doctest/doctest.h>

#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_flags_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

// An account with n delivered messages (UIDs 1..n); returns its INBOX id.
MailboxId inbox_with(Store& store, const char* name, int n) {
  auto id = store.create_account(name, "h")->id;
  for (int i = 0; i < n; ++i) REQUIRE(store.deliver("m" + std::to_string(i), std::vector<AccountId>{id}, i).ok());
  return inbox_of(store, id).id;
}

}  // namespace

TEST_CASE("message_index lists every message ascending by UID") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "idx", 20);
  inbox_with(*store, "other", 3);  // a neighbouring mailbox must not leak in
  auto index = store->message_index(box);
  REQUIRE(index.ok());
  REQUIRE(index->size() == 20);
  for (uint32_t i = 0; i < 20; ++i) {
    CHECK((*index)[i].uid == i + 1);
    CHECK((*index)[i].modseq == i + 2);  // the INBOX starts at HIGHESTMODSEQ 1
    CHECK((*index)[i].flags == 0);
  }
  CHECK(store->message_index(box + 1000).error().code == Errc::not_found);
}

TEST_CASE("update_flags adds, removes and replaces, bumping modseq only on a change") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "flags", 3);
  const uint64_t start = 4;  // HIGHESTMODSEQ after three deliveries
  auto find = [&](uint32_t uid) { return store->messages(box, std::vector<uint32_t>{uid})->front(); };

  auto added = store->update_flags(box, std::vector<uint32_t>{1, 2}, FlagOp::add, kSeen | kFlagged);
  REQUIRE(added.ok());
  REQUIRE(added->size() == 2);
  CHECK((*added)[0].flags == (kSeen | kFlagged));
  CHECK((*added)[0].modseq == start + 1);
  CHECK((*added)[1].modseq == start + 1);
  CHECK(find(1).flags == (kSeen | kFlagged));
  CHECK(find(3).modseq == 4);
  MailboxInfo info = inbox_of(*store, store->find_account("flags")->id);
  CHECK(info.highestmodseq == start + 1);
  CHECK(info.unseen == 1);

  // Adding what is already there changes nothing: no new modseq.
  auto again = store->update_flags(box, std::vector<uint32_t>{1}, FlagOp::add, kSeen);
  REQUIRE(again.ok());
  CHECK((*again)[0].modseq == start + 1);
  CHECK(inbox_of(*store, info.account).highestmodseq == start + 1);

  auto removed = store->update_flags(box, std::vector<uint32_t>{1, 3}, FlagOp::remove, kSeen);
  REQUIRE(removed.ok());
  CHECK((*removed)[0].flags == kFlagged);
  CHECK((*removed)[0].modseq == start + 2);
  CHECK((*removed)[1].flags == 0);
  CHECK((*removed)[1].modseq == 4);  // unchanged message keeps its modseq
  CHECK(inbox_of(*store, info.account).unseen == 2);

  auto replaced = store->update_flags(box, std::vector<uint32_t>{1, 2, 3}, FlagOp::replace, kAnswered | kSeen);
  REQUIRE(replaced.ok());
  for (const auto& s : *replaced) {
    CHECK(s.flags == (kAnswered | kSeen));
    CHECK(s.modseq == start + 3);
  }
  info = inbox_of(*store, info.account);
  CHECK(info.unseen == 0);
  CHECK(info.highestmodseq == start + 3);

  // Unknown bits are ignored; missing UIDs are skipped.
  auto skipped = store->update_flags(box, std::vector<uint32_t>{2, 99}, FlagOp::add, 1u << 20);
  REQUIRE(skipped.ok());
  REQUIRE(skipped->size() == 1);
  CHECK((*skipped)[0].uid == 2);
  CHECK((*skipped)[0].flags == (kAnswered | kSeen));
}

TEST_CASE("messages returns the requested UIDs in order and skips missing ones") {
  TempDir dir;
  auto store = open_store(dir);
  MailboxId box = inbox_with(*store, "meta", 5);
  auto metas = store->messages(box, std::vector<uint32_t>{4, 42, 2});
  REQUIRE(metas.ok());
  REQUIRE(metas->size() == 2);
  CHECK((*metas)[0].uid == 4);
  CHECK((*metas)[0].internal_date == 3);
  CHECK((*metas)[1].uid == 2);
  CHECK(store->messages(box + 1000, std::vector<uint32_t>{1}).error().code == Errc::not_found);
}

TEST_CASE("update_flags on an unknown mailbox fails with not_found") {
  TempDir dir;
  auto store = open_store(dir);
  auto r = store->update_flags(12345, std::vector<uint32_t>{1}, FlagOp::add, kSeen);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::not_found);
}

}  // namespace storage_flags_test

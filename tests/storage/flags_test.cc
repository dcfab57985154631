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

// A long dense ascending UID list (STORE 1:*) is read with one scan; any other
// list one message at a time. Both must change the same messages the same way.
TEST_CASE("a dense ascending STORE and EXPUNGE equal the same UIDs given in another order") {
  TempDir dir_a, dir_b;
  auto a = open_store(dir_a);
  auto b = open_store(dir_b);
  MailboxId box_a = inbox_with(*a, "dense", 300);
  MailboxId box_b = inbox_with(*b, "dense", 300);
  std::vector<uint32_t> gone, tagged;
  for (uint32_t uid = 7; uid <= 300; uid += 7) gone.push_back(uid);  // holes in the list
  for (uint32_t uid = 3; uid <= 300; uid += 10) tagged.push_back(uid);
  for (Store* s : {a.get(), b.get()}) {
    MailboxId box = s == a.get() ? box_a : box_b;
    REQUIRE(s->expunge(box, gone).ok());
    REQUIRE(s->store_flags(box, tagged, FlagChange{FlagOp::add, kFlagged, {"$Work"}, std::nullopt}).ok());
  }
  std::vector<uint32_t> all, reversed;
  for (uint32_t uid = 1; uid <= 310; ++uid) all.push_back(uid);  // 301..310 never existed
  reversed.assign(all.rbegin(), all.rend());
  const FlagChange answered{FlagOp::add, kAnswered, {"$Done"}, std::nullopt};
  auto ra = a->store_flags(box_a, all, answered);
  auto rb = b->store_flags(box_b, reversed, answered);
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(ra->updated.size() == 300 - gone.size());
  REQUIRE(rb->updated.size() == ra->updated.size());
  for (size_t i = 0; i < ra->updated.size(); ++i) {
    const MessageSummary& x = ra->updated[i];
    const MessageSummary& y = rb->updated[rb->updated.size() - 1 - i];
    CHECK(x.uid == y.uid);
    CHECK(x.flags == y.flags);
    CHECK(x.modseq == y.modseq);
    CHECK(x.keywords == y.keywords);
  }
  CHECK(*a->mailbox_keywords(box_a) == *b->mailbox_keywords(box_b));
  CHECK(a->mailbox_keywords(box_a)->size() == 2);

  auto ea = a->expunge(box_a, all);
  auto eb = b->expunge(box_b, reversed);
  REQUIRE(ea.ok());
  REQUIRE(eb.ok());
  CHECK(ea->size() == 300 - gone.size());
  CHECK(std::vector<uint32_t>(eb->rbegin(), eb->rend()) == *ea);
  CHECK(a->message_index(box_a)->empty());
  CHECK(a->check(false)->empty());
  CHECK(b->check(false)->empty());
}

TEST_CASE("update_flags on an unknown mailbox fails with not_found") {
  TempDir dir;
  auto store = open_store(dir);
  auto r = store->update_flags(12345, std::vector<uint32_t>{1}, FlagOp::add, kSeen);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::not_found);
}

}  // namespace storage_flags_test

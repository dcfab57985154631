// Copy, move, flag and keyword changes with UNCHANGEDSINCE, the change log
// (CONDSTORE/QRESYNC), change events and index jobs.
#include <doctest/doctest.h>

#include <mutex>
#include <string>
#include <vector>

#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_message_ops_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

// An account with n messages in its INBOX.
AccountId with_messages(Store& store, const char* name, int n) {
  const AccountId a = store.create_account(name, "h")->id;
  for (int i = 0; i < n; ++i) REQUIRE(store.deliver("body " + std::to_string(i), std::vector<AccountId>{a}, i).ok());
  return a;
}

std::vector<uint32_t> uids_of(const std::vector<MessageSummary>& list) {
  std::vector<uint32_t> out;
  for (const auto& m : list) out.push_back(m.uid);
  return out;
}

// Collects every published change.
struct Recorder {
  explicit Recorder(Store& s) : store(s) {
    handle = s.changes().subscribe([this](const MailboxChange& c) {
      std::lock_guard lock(mu);
      seen.push_back(c);
    });
  }
  ~Recorder() { store.changes().unsubscribe(handle); }
  Store& store;
  uint64_t handle = 0;
  std::mutex mu;
  std::vector<MailboxChange> seen;
};

}  // namespace

TEST_CASE("copy shares bodies and returns the COPYUID mapping") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 3);
  const MailboxId inbox = inbox_of(*store, a).id;
  REQUIRE(store->update_flags(inbox, std::vector<uint32_t>{3}, FlagOp::add, kFlagged).ok());
  const MailboxInfo archive = *store->find_mailbox(a, "Archive");
  auto copied = store->copy(inbox, std::vector<uint32_t>{3, 9, 1}, archive.id);
  REQUIRE(copied.ok());
  CHECK(copied->uidvalidity == archive.uidvalidity);
  CHECK(copied->uids == std::vector<std::pair<uint32_t, uint32_t>>{{3, 1}, {1, 2}});
  auto metas = store->messages(archive.id, std::vector<uint32_t>{1, 2});
  REQUIRE(metas->size() == 2);
  CHECK((*metas)[0].flags == kFlagged);
  auto src = store->messages(inbox, std::vector<uint32_t>{3});
  CHECK((*metas)[0].blob == src->front().blob);
  CHECK(store->blob_info((*metas)[0].blob)->refs == 2);
  CHECK(inbox_of(*store, a).messages == 3);
  CHECK(store->quota(a)->messages == 5);
  CHECK(store->copy(inbox, std::vector<uint32_t>{1}, 999).error().code == Errc::not_found);
}

TEST_CASE("move is atomic: a failed commit leaves every message where it was") {
  TempDir dir;
  Options options;
  options.path = dir.path();
  options.sync = false;
  auto opened = rocks::RocksStore::open(options);
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = with_messages(store, "a", 2);
  const MailboxId inbox = inbox_of(store, a).id;
  const MailboxId junk = store.find_mailbox(a, "Junk")->id;
  store.fail_next_writes_for_testing(1);
  CHECK(store.move(inbox, std::vector<uint32_t>{1, 2}, junk).error().code == Errc::temp);
  CHECK(inbox_of(store, a).messages == 2);
  CHECK(store.find_mailbox(a, "Junk")->messages == 0);
  auto moved = store.move(inbox, std::vector<uint32_t>{2, 1}, junk);
  REQUIRE(moved.ok());
  // The failed commit's destination UIDs 1 and 2 stay consumed (never handed out twice).
  CHECK(moved->uids == std::vector<std::pair<uint32_t, uint32_t>>{{2, 3}, {1, 4}});
  CHECK(inbox_of(store, a).messages == 0);
  CHECK(store.find_mailbox(a, "Junk")->messages == 2);
  auto metas = store.messages(junk, std::vector<uint32_t>{3});
  REQUIRE(metas->size() == 1);
  CHECK(store.blob_info(metas->front().blob)->refs == 1);  // moved, not copied
  CHECK(store.quota(a)->messages == 2);
  CHECK(store.move(junk, std::vector<uint32_t>{3}, junk).error().code == Errc::bad_input);
}

TEST_CASE("keywords are added, removed and replaced case-insensitively; the mailbox remembers them") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 2);
  const MailboxId inbox = inbox_of(*store, a).id;
  FlagChange add{FlagOp::add, kAnswered, {"Work", "$Label1"}, std::nullopt};
  auto r = store->store_flags(inbox, std::vector<uint32_t>{1, 2}, add);
  REQUIRE(r.ok());
  CHECK(r->updated.size() == 2);
  FlagChange remove{FlagOp::remove, 0, {"WORK"}, std::nullopt};
  REQUIRE(store->store_flags(inbox, std::vector<uint32_t>{1}, remove).ok());
  auto metas = store->messages(inbox, std::vector<uint32_t>{1, 2});
  CHECK((*metas)[0].keywords == std::vector<std::string>{"$Label1"});
  CHECK((*metas)[1].keywords == std::vector<std::string>{"Work", "$Label1"});
  CHECK((*metas)[0].flags == kAnswered);
  FlagChange replace{FlagOp::replace, kSeen, {"Other"}, std::nullopt};
  REQUIRE(store->store_flags(inbox, std::vector<uint32_t>{2}, replace).ok());
  metas = store->messages(inbox, std::vector<uint32_t>{2});
  CHECK(metas->front().keywords == std::vector<std::string>{"Other"});
  CHECK(metas->front().flags == kSeen);
  CHECK(*store->mailbox_keywords(inbox) == std::vector<std::string>{"$Label1", "Other", "Work"});
}

TEST_CASE("UNCHANGEDSINCE skips messages changed after it and reports them") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 3);
  const MailboxId inbox = inbox_of(*store, a).id;
  const uint64_t before = inbox_of(*store, a).highestmodseq;  // 4
  REQUIRE(store->update_flags(inbox, std::vector<uint32_t>{2}, FlagOp::add, kFlagged).ok());
  FlagChange c{FlagOp::add, kSeen, {}, before};
  auto r = store->store_flags(inbox, std::vector<uint32_t>{1, 2, 3}, c);
  REQUIRE(r.ok());
  CHECK(r->modified == std::vector<uint32_t>{2});
  CHECK(uids_of(r->updated) == std::vector<uint32_t>{1, 3});
  auto index = store->message_index(inbox);
  CHECK((*index)[1].flags == kFlagged);
  CHECK((*index)[0].flags == kSeen);
}

TEST_CASE("changed and expunged since a modseq cost in proportion to the changes") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 5);
  const MailboxId inbox = inbox_of(*store, a).id;
  const uint64_t mark = inbox_of(*store, a).highestmodseq;
  CHECK(store->changed_since(inbox, mark)->empty());
  CHECK(uids_of(*store->changed_since(inbox, 0)) == std::vector<uint32_t>{1, 2, 3, 4, 5});
  REQUIRE(store->update_flags(inbox, std::vector<uint32_t>{4}, FlagOp::add, kSeen).ok());
  REQUIRE(store->expunge(inbox, std::vector<uint32_t>{2}).ok());
  REQUIRE(store->deliver("new", std::vector<AccountId>{a}, 0).ok());
  auto changed = store->changed_since(inbox, mark);
  REQUIRE(changed.ok());
  CHECK(uids_of(*changed) == std::vector<uint32_t>{4, 6});
  CHECK(changed->front().flags == kSeen);
  CHECK(changed->front().modseq == mark + 1);
  CHECK(*store->expunged_since(inbox, mark) == std::vector<uint32_t>{2});
  CHECK(store->expunged_since(inbox, mark + 2)->empty());
  CHECK(uids_of(*store->changed_since(inbox, 0)) == std::vector<uint32_t>{1, 3, 5, 4, 6});
}

TEST_CASE("published changes carry what changed") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 2);
  const MailboxId inbox = inbox_of(*store, a).id;
  const MailboxId trash = store->find_mailbox(a, "Trash")->id;
  Recorder rec(*store);
  REQUIRE(store->deliver("x", std::vector<AccountId>{a}, 0).ok());
  REQUIRE(store->store_flags(inbox, std::vector<uint32_t>{1}, FlagChange{FlagOp::add, kSeen, {"K"}, {}}).ok());
  REQUIRE(store->move(inbox, std::vector<uint32_t>{2}, trash).ok());
  std::lock_guard lock(rec.mu);
  REQUIRE(rec.seen.size() == 4);  // deliver, flags, and the move's two mailboxes
  REQUIRE(rec.seen[0].added.size() == 1);
  CHECK(rec.seen[0].added[0].uid == 3);
  REQUIRE(rec.seen[1].changed.size() == 1);
  CHECK(rec.seen[1].changed[0].flags == kSeen);
  CHECK(rec.seen[1].changed[0].keywords == std::vector<std::string>{"K"});
  for (size_t i = 2; i < 4; ++i) {
    if (rec.seen[i].mailbox == inbox) CHECK(rec.seen[i].expunged == std::vector<uint32_t>{2});
    else CHECK((rec.seen[i].mailbox == trash && rec.seen[i].added.size() == 1));
  }
}

TEST_CASE("every store and expunge records an index job, read in order and deleted when done") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = with_messages(*store, "a", 2);
  const MailboxId inbox = inbox_of(*store, a).id;
  REQUIRE(store->expunge(inbox, std::vector<uint32_t>{1}).ok());
  auto jobs = store->index_jobs(10);
  REQUIRE(jobs.ok());
  REQUIRE(jobs->size() == 3);
  CHECK(((*jobs)[0].add && (*jobs)[0].uid == 1 && (*jobs)[0].account == a && (*jobs)[0].mailbox == inbox));
  CHECK(((*jobs)[1].add && (*jobs)[1].uid == 2));
  CHECK((!(*jobs)[2].add && (*jobs)[2].uid == 1 && (*jobs)[2].blob == (*jobs)[0].blob));
  auto first = store->index_jobs(2);
  REQUIRE(first->size() == 2);
  REQUIRE(store->delete_index_jobs(*first).ok());
  auto rest = store->index_jobs(10);
  REQUIRE(rest->size() == 1);
  CHECK(!rest->front().add);
}

}  // namespace storage_message_ops_test

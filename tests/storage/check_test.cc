// Store::check and its repairs: each test corrupts a store on purpose with
// raw writes (edit_raw_for_testing), then expects the matching check of the
// table to report it, --repair to fix what is safe, and a clean store after.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "storage/rocks/body_writer.h"
#include "storage/rocks/check.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_check_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::rocks::RawEdit;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;
namespace r = loft::storage::rocks;

namespace {

using Uids = std::vector<uint32_t>;

std::set<std::string> g_reported;  // every check name some test saw report

// A store with two accounts: alice has 3 messages (UID 1 seen), bob shares
// alice's second body (one blob, refcount 2) and has a multi-chunk body.
struct Fixture {
  TempDir dir;
  std::unique_ptr<Store> store = open_store(dir, 16);
  MailboxId alice_box = 0, bob_box = 0;
  BlobId shared = 0, big = 0;

  Fixture() {
    AccountId alice = store->create_account("alice", "h")->id, bob = store->create_account("bob", "h")->id;
    REQUIRE(store->deliver("one\r\n\r\nbody", std::vector<AccountId>{alice}, 1).ok());
    REQUIRE(store->deliver("two\r\n\r\nshared", std::vector<AccountId>{alice, bob}, 2).ok());
    REQUIRE(store->deliver("three\r\n\r\nbody", std::vector<AccountId>{alice}, 3).ok());
    REQUIRE(store->deliver(std::string(100, 'x'), std::vector<AccountId>{bob}, 4).ok());
    alice_box = inbox_of(*store, alice).id;
    bob_box = inbox_of(*store, bob).id;
    REQUIRE(store->update_flags(alice_box, Uids{1}, FlagOp::add, kSeen).ok());
    shared = store->messages(alice_box, Uids{2})->at(0).blob;
    big = store->messages(bob_box, Uids{2})->at(0).blob;
    REQUIRE(check(false).empty());
  }

  std::vector<CheckIssue> check(bool repair) {
    auto issues = store->check(repair);
    REQUIRE_MESSAGE(issues.ok(), (issues.ok() ? "" : issues.error().message));
    for (const auto& i : *issues) g_reported.insert(i.check);
    return *issues;
  }
  // Closes the store, writes the edits as they are, reopens it.
  void corrupt(std::vector<RawEdit> edits) {
    store.reset();
    auto done = r::edit_raw_for_testing(dir.path(), edits);
    REQUIRE_MESSAGE(done.ok(), (done.ok() ? "" : done.error().message));
    store = open_store(dir, 16);
  }
  std::string mailbox_value(MailboxId id, std::function<void(MailboxInfo&)> change) {
    MailboxInfo m = id == alice_box ? inbox_of(*store, store->find_account("alice")->id)
                                    : inbox_of(*store, store->find_account("bob")->id);
    change(m);
    return r::encode_mailbox(m);
  }
};

// The names of the checks that reported, and whether each issue was repaired.
std::multiset<std::string> names(const std::vector<CheckIssue>& issues, bool only_repaired = false) {
  std::multiset<std::string> out;
  for (const auto& i : issues)
    if (!only_repaired || i.repaired) out.insert(i.check);
  return out;
}

using Names = std::multiset<std::string>;

}  // namespace

TEST_CASE("check: a store built through the API is clean") {
  Fixture f;
  REQUIRE(f.store->expunge(f.alice_box, Uids{2}).ok());
  REQUIRE(f.store->delete_account("bob").ok());
  CHECK(f.check(false).empty());
  CHECK(f.check(true).empty());
}

TEST_CASE("check: schema 2 records of a healthy store are not findings") {
  Fixture f;
  AccountId alice = f.store->find_account("alice")->id;
  // A subscription may name a mailbox that does not exist (RFC 3501 §6.3.6).
  REQUIRE(f.store->subscribe(alice, "Nowhere").ok());
  // A deleted mailbox leaves remove jobs for the indexer, nothing else.
  auto box = f.store->create_mailbox(alice, "Work");
  REQUIRE(box.ok());
  REQUIRE(f.store->copy(f.alice_box, Uids{1, 2}, box->id).ok());
  REQUIRE(f.store->expunge(box->id, Uids{1}).ok());
  REQUIRE(f.store->delete_mailbox(alice, "Work").ok());
  // A body being written (pending, chunks already stored) is no orphan.
  auto body = f.store->begin_body();
  REQUIRE(body.ok());
  REQUIRE((*body)->write(std::string(100, 'p')).ok());
  CHECK(f.check(false).empty());
  CHECK(f.check(true).empty());
  body->reset();
  CHECK(f.check(false).empty());
}

TEST_CASE("check: quota usage that differs from the messages is recounted; a quota of no account is reported") {
  Fixture f;
  AccountId alice = f.store->find_account("alice")->id;
  f.corrupt({{r::kQuotasCf, r::id_key(alice), r::encode_quota({1, 9, 0, 0})},
             {r::kQuotasCf, r::id_key(4242), r::encode_quota({0, 0, 0, 0})}});
  CHECK(names(f.check(false)) == Names{"quota-usage", "quota-usage"});
  CHECK(names(f.check(true), true) == Names{"quota-usage"});
  CHECK(names(f.check(false)) == Names{"quota-usage"});  // account 4242 stays reported
  auto q = f.store->quota(alice);
  REQUIRE(q.ok());
  CHECK(q->messages == 3);
  CHECK(q->bytes == std::string("one\r\n\r\nbody").size() + std::string("two\r\n\r\nshared").size() +
                        std::string("three\r\n\r\nbody").size());
}

TEST_CASE("check: change-log rows of a missing mailbox are deleted") {
  Fixture f;
  f.corrupt({{r::kChangesCf, r::change_key(777, 3, 1), r::encode_change(r::ChangeKind::present)},
             {r::kChangesCf, r::change_key(777, 4, 2), r::encode_change(r::ChangeKind::expunged)}});
  auto found = f.check(false);
  CHECK(names(found) == Names{"change-log"});
  CHECK(names(f.check(true), true) == Names{"change-log"});
  CHECK(f.check(false).empty());
}

TEST_CASE("check: an add job of a gone message becomes a remove job; a job naming another account is reported") {
  Fixture f;
  AccountId alice = f.store->find_account("alice")->id, bob = f.store->find_account("bob")->id;
  f.corrupt({{r::kIndexJobsCf, r::change_key(777, 3, 1), r::encode_index_job({true, alice, f.shared})},
             {r::kIndexJobsCf, r::change_key(777, 5, 2), r::encode_index_job({false, alice, f.shared})},
             {r::kIndexJobsCf, r::change_key(f.alice_box, 90, 1), r::encode_index_job({true, bob, f.shared})}});
  CHECK(names(f.check(false)) == Names{"index-jobs", "index-jobs"});
  CHECK(names(f.check(true), true) == Names{"index-jobs"});
  CHECK(names(f.check(false)) == Names{"index-jobs"});
  auto jobs = f.store->index_jobs(100);
  REQUIRE(jobs.ok());
  bool removed = false;
  for (const auto& j : *jobs)
    if (j.mailbox == 777 && j.uid == 1) removed = !j.add;
  CHECK(removed);
}

TEST_CASE("check: wrong message and unseen counts are reported, then recounted") {
  Fixture f;
  f.corrupt({{r::kMailboxesCf, r::id_key(f.alice_box),
              f.mailbox_value(f.alice_box, [](MailboxInfo& m) { m.messages = 9; m.unseen = 0; })}});
  auto found = f.check(false);
  CHECK(names(found) == Names{"mailbox-counts"});
  CHECK(names(f.check(true), true) == Names{"mailbox-counts"});
  CHECK(f.check(false).empty());
  auto box = inbox_of(*f.store, f.store->find_account("alice")->id);
  CHECK(box.messages == 3);
  CHECK(box.unseen == 2);
}

TEST_CASE("check: UIDNEXT and HIGHESTMODSEQ below the messages are raised, both in one repair") {
  Fixture f;
  f.corrupt({{r::kMailboxesCf, r::id_key(f.alice_box),
              f.mailbox_value(f.alice_box, [](MailboxInfo& m) { m.uidnext = 2; m.highestmodseq = 1; })}});
  // The change log holds rows above the lowered HIGHESTMODSEQ too.
  CHECK(names(f.check(false)) == Names{"mailbox-uidnext", "mailbox-modseq", "change-log"});
  CHECK(names(f.check(true), true) == Names{"mailbox-uidnext", "mailbox-modseq", "change-log"});
  CHECK(f.check(false).empty());
  auto box = inbox_of(*f.store, f.store->find_account("alice")->id);
  CHECK(box.uidnext == 4);
  // A new delivery gets a fresh UID, not one in use.
  auto copy = f.store->deliver("new", std::vector<AccountId>{box.account}, 5);
  REQUIRE(copy.ok());
  CHECK(copy->at(0).uid == 4);
}

TEST_CASE("check: a wrong refcount is set back; an unreferenced blob is deleted with its chunks") {
  Fixture f;
  auto shared = r::encode_blob({7, 13, 16});
  f.corrupt({{r::kBlobsCf, r::id_key(f.shared), shared}});
  CHECK(names(f.check(false)) == Names{"blob-refcount"});
  CHECK(names(f.check(true), true) == Names{"blob-refcount"});
  CHECK(f.store->blob_info(f.shared)->refs == 2);

  // bob's big message row vanishes: its blob is unreferenced, bob's counts
  // and quota are off, and its add job names a message that is gone.
  f.corrupt({{r::kMessagesCf, r::message_key(f.bob_box, 2), std::nullopt}});
  Names expected{"mailbox-counts", "blob-refcount", "quota-usage", "index-jobs"};
  CHECK(names(f.check(false)) == expected);
  CHECK(names(f.check(true), true) == expected);
  CHECK(f.check(false).empty());
  auto gone = f.store->blob_info(f.big);
  REQUIRE_FALSE(gone.ok());
  CHECK(gone.error().code == Errc::not_found);
}

TEST_CASE("check: orphan chunks are deleted; missing chunks are reported and left alone") {
  Fixture f;
  f.corrupt({{r::kChunksCf, r::chunk_key(999, 0), std::string("\0abc", 4)},
             {r::kChunksCf, r::chunk_key(f.big, 40), std::string("\0abc", 4)},
             {r::kChunksCf, r::chunk_key(f.big, 1), std::nullopt}});
  auto found = f.check(false);
  // Blob 999 is below the blob-id reservation: the counters are fine.
  CHECK(names(found) == Names{"orphan-chunks", "blob-chunks", "blob-chunks"});
  auto repaired = f.check(true);
  CHECK(names(repaired, true) == Names{"orphan-chunks", "blob-chunks"});
  CHECK(names(f.check(false)) == Names{"blob-chunks"});  // 1 of 7 chunks missing: data lost
}

TEST_CASE("check: a message whose body or mailbox is missing is reported, not repaired") {
  Fixture f;
  MessageMeta meta = f.store->messages(f.alice_box, Uids{3})->at(0);
  meta.uid = 1;
  f.corrupt({{r::kBlobsCf, r::id_key(f.store->messages(f.alice_box, Uids{1})->at(0).blob), std::nullopt},
             {r::kMessagesCf, r::message_key(777, 1), r::encode_message(meta)}});
  auto found = f.check(false);
  CHECK(names(found) == Names{"counters", "message-mailbox", "message-blob", "orphan-chunks", "blob-refcount"});
  f.check(true);
  CHECK(names(f.check(false)) == Names{"message-mailbox", "message-blob"});
}

TEST_CASE("check: broken names, a missing INBOX row and an undecodable record are reported") {
  Fixture f;
  AccountId alice = f.store->find_account("alice")->id;
  f.corrupt({{r::kMailboxNamesCf, r::mailbox_name_key(alice, "INBOX"), std::nullopt},
             {r::kMailboxNamesCf, r::mailbox_name_key(alice, "Lost"), r::id_key(5)},
             {r::kMailboxNamesCf, r::mailbox_name_key(4242, "Gone"), r::id_key(f.bob_box)},
             {r::kMessagesCf, r::message_key(f.bob_box, 9), std::string("\x02garbage")}});
  auto found = f.check(true);
  CHECK(names(found) ==
        Names{"record-format", "counters", "account-inbox", "mailbox-names", "mailbox-names", "mailbox-owner"});
  CHECK(names(found, true) == Names{"counters"});
}

TEST_CASE("check: counters below the ids in use are raised, so no id is handed out twice") {
  Fixture f;
  f.corrupt({{r::kMetaCf, std::string(r::kCountersKey), r::encode_counters({1, 1, 1, 0})}});
  CHECK(names(f.check(false)) == Names{"counters"});
  CHECK(names(f.check(true), true) == Names{"counters"});
  CHECK(f.check(false).empty());
  auto carol = f.store->create_account("carol", "h");
  REQUIRE(carol.ok());
  CHECK(carol->id == 3);
  auto copy = f.store->deliver("x", std::vector<AccountId>{carol->id}, 1);
  REQUIRE(copy.ok());
  CHECK(f.store->messages(copy->at(0).mailbox, Uids{1})->at(0).blob > f.big);
  CHECK(f.check(false).empty());
}

TEST_CASE("check: a fix whose record changed after the snapshot is skipped, and the next run repairs") {
  Fixture f;
  f.corrupt({{r::kMailboxesCf, r::id_key(f.alice_box),
              f.mailbox_value(f.alice_box, [](MailboxInfo& m) { m.messages = 9; })},
             {r::kChunksCf, r::chunk_key(999, 0), std::string("\0abc", 4)}});
  AccountId alice = f.store->find_account("alice")->id;
  // A delivery lands between the check's snapshot and its repair.
  r::set_before_repair_hook_for_testing(
      [&] { REQUIRE(f.store->deliver("late", std::vector<AccountId>{alice}, 9).ok()); });
  auto first = f.check(true);
  r::set_before_repair_hook_for_testing({});
  REQUIRE(names(first) == Names{"mailbox-counts", "orphan-chunks"});
  for (const auto& i : first) {
    CHECK_MESSAGE(i.repaired == (i.check != "mailbox-counts"), i.check, ": ", i.detail);
    if (i.check == "mailbox-counts") CHECK(i.detail.find("changed while checking") != std::string::npos);
  }
  CHECK(inbox_of(*f.store, alice).messages == 10);  // 9 + 1: the stale count was not written over the delivery
  CHECK(names(f.check(true), true) == Names{"mailbox-counts"});
  CHECK(inbox_of(*f.store, alice).messages == 4);
  CHECK(f.check(false).empty());
}

TEST_CASE("check: a body pending since before the open (a crash's, left by a broken open) is removed") {
  TempDir dir;
  BlobId blob = 0;
  {
    auto store = open_store(dir, 16);
    auto body = store->begin_body();
    REQUIRE(body.ok());
    REQUIRE((*body)->write(std::string(100, 'p')).ok());
    blob = (*body)->blob();
    r::RocksStore::abandon_body_for_testing(**body);  // chunks and marker stay, as after SIGKILL
  }
  // Opened without RocksStore::open's removal of pending bodies.
  auto db = r::Db::open(dir.path());
  REQUIRE(db.ok());
  auto stored = (*db)->get(r::kMetaCf, std::string(r::kCountersKey));
  REQUIRE(stored.ok());
  std::optional<r::Counters> counters = r::Counters{};  // absent in a store with no account yet
  if (*stored) counters = r::decode_counters(**stored);
  REQUIRE(counters);
  LocalChangeFeed feed;
  r::Tuning tuning;  // the committer keeps a reference
  r::Committer committer(**db, *counters, false, 512, tuning, feed);
  const BlobId floor = (*r::BlobIds::open(**db, counters->next_blob, false))->first();
  REQUIRE(floor > blob);
  CHECK(r::run_checks(**db, committer, false, blob)->empty());  // a writer of this process: no finding
  auto found = r::run_checks(**db, committer, true, floor);
  REQUIRE(found.ok());
  for (const auto& i : *found) g_reported.insert(i.check);
  CHECK(names(*found, true) == Names{"pending-bodies"});
  CHECK(r::run_checks(**db, committer, false, floor)->empty());
  CHECK(!(*db)->get(r::kPendingCf, r::id_key(blob))->has_value());
  CHECK(!(*db)->get(r::kChunksCf, r::chunk_key(blob, 0))->has_value());
}

TEST_CASE("check: every check of the table was seen reporting by the tests above") {
  std::set<std::string> all;
  for (const auto& c : r::checks()) all.insert(c.name);
  CHECK(g_reported == all);
}

}  // namespace storage_check_test

// Account deletion as one small commit plus bounded purge slices, and the
// purge's resumption after a crash.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "storage/rocks/check.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/purge.h"
#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_purge_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::TempDir;

namespace {

struct Fixture {
  AccountId a = 0, b = 0;
  MailboxId box_a = 0, box_b = 0;
  std::vector<BlobId> own, shared;  // a's bodies alone, bodies a shares with b
};

// Account a with `n` messages, every fifth body shared with account b.
Fixture fill(Store& store, int n) {
  Fixture f;
  f.a = store.create_account("a", "h")->id;
  f.b = store.create_account("b", "h")->id;
  f.box_a = inbox_of(store, f.a).id;
  f.box_b = inbox_of(store, f.b).id;
  for (int i = 0; i < n; ++i) {
    const bool both = i % 5 == 0;
    std::vector<AccountId> to{f.a};
    if (both) to.push_back(f.b);
    auto copies = store.deliver("message " + std::to_string(i) + std::string(3000, 'x'), to, 0);
    REQUIRE(copies.ok());
    auto meta = store.messages(f.box_a, std::vector<uint32_t>{copies->front().uid});
    (both ? f.shared : f.own).push_back(meta->front().blob);
  }
  return f;
}

bool is_not_found(const auto& result) { return !result.ok() && result.error().code == Errc::not_found; }

void check_purged(Store& store, const Fixture& f, int n) {
  CHECK(is_not_found(store.find_account("a")));
  CHECK(is_not_found(store.message_index(f.box_a)));
  for (BlobId blob : f.own) CHECK(is_not_found(store.blob_info(blob)));
  for (BlobId blob : f.shared) {
    auto info = store.blob_info(blob);
    REQUIRE(info.ok());
    CHECK(info->refs == 1);
  }
  CHECK(store.message_index(f.box_b)->size() == static_cast<size_t>((n + 4) / 5));
  // Nothing is left over: no change-log or keyword rows, no marker, and the
  // quota of b still matches its messages.
  auto issues = store.check(false);
  REQUIRE(issues.ok());
  for (const auto& i : *issues) MESSAGE(i.check, " ", i.subject, ": ", i.detail);
  CHECK(issues->empty());
}

std::vector<CheckIssue> check_now(const rocks::Db& db, rocks::Committer& committer) {
  auto issues = rocks::run_checks(db, committer, false);
  REQUIRE(issues.ok());
  for (const auto& i : *issues) MESSAGE(i.check, " ", i.subject, ": ", i.detail);
  return *issues;
}

}  // namespace

TEST_CASE("deleting an account commits in bounded slices and releases every body") {
  TempDir dir;
  rocks::Tuning tuning;
  tuning.purge_slice_messages = 40;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 1024}, tuning);
  REQUIRE(opened.ok());
  auto& store = **opened;
  constexpr int kMessages = 400;
  Fixture f = fill(store, kMessages);
  const uint64_t commits = store.stats().commits;
  const uint64_t slices = store.purge_slices();

  REQUIRE(store.delete_account("a").ok());
  check_purged(store, f, kMessages);
  // One commit makes the account vanish, then 400 / 40 slices (one more
  // finds the mailbox empty); the 3-chunk bodies keep each slice under the
  // default chunk bound.
  CHECK(store.purge_slices() - slices >= kMessages / 40);
  CHECK(store.stats().commits - commits >= 1 + kMessages / 40);
  CHECK(is_not_found(store.delete_account("a")));
}

TEST_CASE("a purge slice also stops at its chunk bound") {
  TempDir dir;
  rocks::Tuning tuning;
  // Bodies of 3 chunks, one in five shared (its chunks stay): a slice stops
  // after 7 bodies that go, about 9 messages.
  tuning.purge_slice_chunks = 20;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 1024}, tuning);
  REQUIRE(opened.ok());
  auto& store = **opened;
  Fixture f = fill(store, 100);
  const uint64_t slices = store.purge_slices();
  REQUIRE(store.delete_account("a").ok());
  check_purged(store, f, 100);
  CHECK(store.purge_slices() - slices >= 100 / 10);
}

TEST_CASE("an account deleted before a crash is invisible at once and purged at the next open") {
  TempDir dir;
  const Options options{dir.path(), false, 512, 1024};
  Fixture f;
  constexpr int kMessages = 120;
  {
    auto opened = rocks::RocksStore::open(options);
    REQUIRE(opened.ok());
    f = fill(**opened, kMessages);
  }
  {
    // The mark and two slices commit, then the process "dies".
    auto db = rocks::Db::open(dir.path());
    REQUIRE(db.ok());
    auto counters = (*db)->get(rocks::kMetaCf, std::string(rocks::kCountersKey));
    REQUIRE((counters.ok() && counters->has_value()));
    LocalChangeFeed feed;
    rocks::Tuning tuning;
    tuning.purge_slice_messages = 10;
    rocks::Committer committer(**db, *rocks::decode_counters(**counters), false, 512, tuning, feed);
    rocks::MarkAccountDeleted mark;
    mark.name = "a";
    REQUIRE(committer.run(mark).ok());
    for (int i = 0; i < 2; ++i) {
      rocks::PurgeSlice slice(tuning);
      REQUIRE(committer.run(slice).ok());
      CHECK(slice.removed == 10);
      CHECK(slice.more());
    }
    // Half purged is a consistent store: the messages left are the marker's.
    CHECK(check_now(**db, committer).empty());
  }
  // Invisible before any purge finished; the purge resumes by itself.
  auto opened = rocks::RocksStore::open(options);
  REQUIRE(opened.ok());
  auto& store = **opened;
  CHECK(is_not_found(store.find_account("a")));
  store.wait_for_purges();
  check_purged(store, f, kMessages);
  CHECK(store.purge_slices() >= 1);
}

TEST_CASE("deleting a mailbox purges it in slices: quota, change log, keywords and index jobs end consistent") {
  TempDir dir;
  rocks::Tuning tuning;
  tuning.purge_slice_messages = 7;
  auto opened = rocks::RocksStore::open(Options{dir.path(), false, 512, 1024}, tuning);
  REQUIRE(opened.ok());
  auto& store = **opened;
  const AccountId a = store.create_account("a", "h")->id;
  auto work = store.create_mailbox(a, "Work", 0);
  REQUIRE(work.ok());
  for (int i = 0; i < 30; ++i) REQUIRE(store.deliver("m" + std::to_string(i), std::vector<AccountId>{a}, 0).ok());
  std::vector<uint32_t> uids;
  for (uint32_t uid = 1; uid <= 30; ++uid) uids.push_back(uid);
  REQUIRE(store.copy(inbox_of(store, a).id, uids, work->id).ok());
  FlagChange kw;
  kw.keywords = {"$Important"};
  REQUIRE(store.store_flags(work->id, std::vector<uint32_t>{1, 2}, kw).ok());
  REQUIRE(store.expunge(work->id, std::vector<uint32_t>{3}).ok());
  CHECK(store.quota(a)->messages == 59);

  const uint64_t slices = store.purge_slices();
  REQUIRE(store.delete_mailbox(a, "Work").ok());
  CHECK(store.purge_slices() - slices >= 29 / 7);
  CHECK(is_not_found(store.find_mailbox(a, "Work")));
  CHECK(store.quota(a)->messages == 30);
  CHECK(store.quota(a)->bytes == 10 * 2 + 20 * 3);  // the INBOX: "m0".."m9" and "m10".."m29"
  // The indexer is told to drop every message that was in it.
  auto jobs = store.index_jobs(1000);
  REQUIRE(jobs.ok());
  size_t removes = 0;
  for (const auto& j : *jobs)
    if (j.mailbox == work->id && !j.add) ++removes;
  CHECK(removes == 30);
  auto issues = store.check(false);
  REQUIRE(issues.ok());
  for (const auto& i : *issues) MESSAGE(i.check, " ", i.subject, ": ", i.detail);
  CHECK(issues->empty());
  // A new mailbox of the same name starts empty, with a new UIDVALIDITY.
  auto again = store.create_mailbox(a, "Work", 0);
  REQUIRE(again.ok());
  CHECK(again->messages == 0);
  CHECK(again->id != work->id);
  CHECK(store.mailbox_keywords(again->id)->empty());
}

}  // namespace storage_purge_test

// The selected-mailbox view (server/imap/mailbox_view.h) over a shared index:
// change events applied in any order and twice, sequence numbers renumbered
// by EXPUNGE, EXPUNGE held back while a command uses sequence numbers, own
// changes not echoed, and the memory it takes.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/seqset.h"
#include "server/imap/mailbox_view.h"
#include "storage/types.h"

namespace server_mailbox_view_test {

using loft::server::imap::MailboxView;
using loft::server::imap::SharedIndex;
namespace st = loft::storage;

namespace {

// Each test uses its own mailbox id: \Recent marks are process-wide.
st::MailboxId next_mailbox() {
  static st::MailboxId id = 9000;
  return ++id;
}

std::vector<st::MessageSummary> index_of(std::vector<uint32_t> uids) {
  std::vector<st::MessageSummary> out;
  for (uint32_t u : uids) out.push_back(st::MessageSummary{u, 0, u, {}});
  return out;
}

st::MailboxChange added(st::MailboxId mb, uint32_t uid, uint64_t modseq) {
  st::MailboxChange c;
  c.mailbox = mb;
  c.added.push_back(st::ChangedMessage{uid, 0, modseq, {}});
  return c;
}
st::MailboxChange flagged(st::MailboxId mb, uint32_t uid, uint32_t flags, uint64_t modseq,
                          std::vector<std::string> kw = {}) {
  st::MailboxChange c;
  c.mailbox = mb;
  c.changed.push_back(st::ChangedMessage{uid, flags, modseq, std::move(kw)});
  return c;
}
st::MailboxChange expunged(st::MailboxId mb, std::vector<uint32_t> uids) {
  st::MailboxChange c;
  c.mailbox = mb;
  c.expunged = std::move(uids);
  return c;
}

struct Fixture {
  st::MailboxId mb = next_mailbox();
  std::shared_ptr<SharedIndex> shared = std::make_shared<SharedIndex>(mb);
  bool ready = false;
  std::unique_ptr<MailboxView> open(bool read_only = false) {
    auto v = std::make_unique<MailboxView>(shared, read_only, [this](const loft::Error* e) { ready = !e; });
    if (shared->loaded()) v->on_loaded(nullptr);
    return v;
  }
  std::string flush(MailboxView& v, bool allow_expunge = true) {
    std::string out;
    v.flush(allow_expunge, &out);
    return out;
  }
};

}  // namespace

TEST_CASE("a view numbers the loaded messages and reports new mail once, with EXISTS and RECENT") {
  Fixture f;
  auto v = f.open();
  CHECK_FALSE(f.ready);  // waits for the load
  f.shared->load(index_of({3, 5, 9}));
  CHECK(f.ready);
  CHECK(v->exists() == 3);
  CHECK(v->uid_at(2) == 5u);
  CHECK(v->seq_of(9) == 3u);
  CHECK_FALSE(v->seq_of(4));
  CHECK(f.flush(*v).empty());
  f.shared->apply(added(f.mb, 12, 20));
  f.shared->apply(added(f.mb, 12, 20));  // the same event twice changes nothing
  CHECK(v->has_updates(false));
  CHECK(f.flush(*v) == "* 4 EXISTS\r\n* 1 RECENT\r\n");
  CHECK(f.flush(*v).empty());
  CHECK(v->state(12)->recent);
  CHECK_FALSE(v->state(3)->recent);
}

TEST_CASE("events that arrive while the index loads are applied after it, already-loaded ones ignored") {
  Fixture f;
  auto v = f.open();
  // Committed before the snapshot was read (so already in it) and after.
  f.shared->apply(flagged(f.mb, 5, st::kSeen, 7));
  f.shared->apply(added(f.mb, 10, 8));
  f.shared->apply(expunged(f.mb, {3}));
  f.shared->apply(flagged(f.mb, 10, st::kFlagged, 9));
  std::vector<st::MessageSummary> snapshot = {{5, st::kSeen, 7, {}}, {10, 0, 8, {}}};
  f.shared->load(snapshot);
  REQUIRE(f.ready);
  CHECK(v->exists() == 2);
  CHECK(v->state(10)->flags == st::kFlagged);
  CHECK(v->state(5)->flags == st::kSeen);
  CHECK(f.flush(*v).empty());  // the view starts from the result: nothing to tell
}

TEST_CASE("flag changes apply by modseq: an older or repeated event is ignored, in any order") {
  Fixture f;
  auto v = f.open();
  f.shared->load(index_of({1, 2}));
  f.shared->apply(flagged(f.mb, 2, st::kSeen | st::kFlagged, 30, {"Junk"}));
  f.shared->apply(flagged(f.mb, 2, st::kSeen, 25));  // older, arrives late
  CHECK(v->state(2)->flags == (st::kSeen | st::kFlagged));
  CHECK(f.flush(*v) == "* 2 FETCH (FLAGS (\\Seen \\Flagged Junk))\r\n");
  f.shared->apply(flagged(f.mb, 2, st::kSeen | st::kFlagged, 30, {"Junk"}));
  CHECK(f.flush(*v).empty());
}

TEST_CASE("EXPUNGE renumbers: pending expunges are reported highest first and sequence numbers shift") {
  Fixture f;
  auto v = f.open();
  f.shared->load(index_of({10, 20, 30, 40, 50}));
  f.shared->apply(expunged(f.mb, {40, 20}));
  // Until reported, the client still numbers 5 messages.
  CHECK(v->exists() == 5);
  CHECK(v->uid_at(2) == 20u);
  CHECK(v->uid_at(4) == 40u);
  CHECK(v->uid_at(5) == 50u);
  CHECK(v->seq_of(50) == 5u);
  CHECK(f.flush(*v) == "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\n");
  CHECK(v->exists() == 3);
  CHECK(v->uid_at(2) == 30u);
  CHECK(v->seq_of(50) == 3u);
  CHECK_FALSE(v->seq_of(20));
}

TEST_CASE("one pass over the numbering (SEARCH's snapshot) equals uid_at and state per sequence number") {
  Fixture f;
  auto v = f.open();
  f.shared->load(index_of({10, 20, 30, 40, 50}));
  f.shared->apply(flagged(f.mb, 30, st::kSeen, 60));
  f.shared->apply(added(f.mb, 60, 61));
  f.flush(*v);  // the client is told of 60
  f.shared->apply(expunged(f.mb, {10, 40}));  // numbered until reported
  f.shared->apply(added(f.mb, 70, 62));       // not announced yet: not numbered
  struct Seen {
    uint32_t uid;
    bool entry;
    uint32_t flags;
    uint64_t modseq;
    bool recent;
  };
  std::vector<Seen> pass;
  v->for_each_numbered([&](uint32_t uid, const SharedIndex::Entry* e, bool recent) {
    pass.push_back({uid, e != nullptr, e ? e->flags() : 0, e ? e->modseq : 0, recent});
  });
  REQUIRE(pass.size() == v->exists());
  REQUIRE(pass.size() == 6);
  for (uint32_t seq = 1; seq <= v->exists(); ++seq) {
    const Seen& p = pass[seq - 1];
    CHECK(v->uid_at(seq) == p.uid);
    auto st = v->state(p.uid);
    CHECK(st.has_value() == p.entry);
    if (st) {
      CHECK(st->flags == p.flags);
      CHECK(st->modseq == p.modseq);
      CHECK(st->recent == p.recent);
    }
  }
  CHECK_FALSE(pass[0].entry);  // 10 and 40: expunged, not yet reported
  CHECK_FALSE(pass[3].entry);
  CHECK(pass[2].flags == st::kSeen);
  CHECK(pass[5].uid == 60);
  CHECK(pass[5].recent);
}

TEST_CASE("no EXPUNGE while a command uses sequence numbers; EXISTS and FLAGS use the client's numbers") {
  Fixture f;
  auto v = f.open();
  f.shared->load(index_of({1, 2, 3}));
  f.shared->apply(expunged(f.mb, {1}));
  f.shared->apply(flagged(f.mb, 3, st::kDeleted, 50));
  f.shared->apply(added(f.mb, 4, 51));
  CHECK(v->has_updates(false));
  // Message 3 is still number 3, and 4 is the fourth: the expunged 1 counts.
  CHECK(f.flush(*v, false) == "* 4 EXISTS\r\n* 1 RECENT\r\n* 3 FETCH (FLAGS (\\Deleted))\r\n");
  CHECK(v->uid_at(1) == 1u);
  std::vector<MailboxView::SeqUid> found;
  REQUIRE(v->resolve_seqs(*loft::proto::imap::SeqSet::parse("1:*"), &found));
  REQUIRE(found.size() == 4);
  CHECK(found[0].uid == 1);
  CHECK(found[3].seq == 4);
  CHECK(found[3].uid == 4);
  CHECK_FALSE(v->has_updates(false));
  CHECK(v->has_updates(true));
  CHECK(f.flush(*v, true) == "* 1 EXPUNGE\r\n");
  CHECK(v->exists() == 3);
  found.clear();
  v->resolve_uids(*loft::proto::imap::SeqSet::parse("3:*"), &found);
  REQUIRE(found.size() == 2);
  CHECK(found[0].seq == 2);
  CHECK(found[1].uid == 4);
  found.clear();
  CHECK_FALSE(v->resolve_seqs(*loft::proto::imap::SeqSet::parse("4"), &found));  // above EXISTS
}

TEST_CASE("a session's own STORE and EXPUNGE are not echoed to it, and reach the other sessions once") {
  Fixture f;
  f.shared->load(index_of({1, 2, 3}));
  auto a = f.open();
  auto b = f.open();
  a->set_flags(2, st::kSeen, {}, 40);
  CHECK(f.flush(*a).empty());
  CHECK(f.flush(*b) == "* 2 FETCH (FLAGS (\\Seen))\r\n");
  // The feed brings the same change afterwards: nobody hears it again.
  f.shared->apply(flagged(f.mb, 2, st::kSeen, 40));
  CHECK(f.flush(*a).empty());
  CHECK(f.flush(*b).empty());
  // The feed first, then the session's own report: still no echo.
  f.shared->apply(flagged(f.mb, 3, st::kAnswered, 41));
  a->set_flags(3, st::kAnswered, {}, 41);
  CHECK(f.flush(*a).empty());
  CHECK(f.flush(*b) == "* 3 FETCH (FLAGS (\\Answered))\r\n");

  CHECK(a->apply_own_expunge(2) == 2u);
  CHECK_FALSE(a->apply_own_expunge(2));  // idempotent by UID
  CHECK(a->exists() == 2);
  f.shared->apply(expunged(f.mb, {2}));
  CHECK(f.flush(*a).empty());
  CHECK(f.flush(*b) == "* 2 EXPUNGE\r\n");
  // b's own expunge of a message the feed already removed: reported once.
  f.shared->apply(expunged(f.mb, {3}));
  CHECK(b->apply_own_expunge(3) == 2u);
  CHECK(f.flush(*b).empty());
  CHECK(f.flush(*a) == "* 2 EXPUNGE\r\n");
}

TEST_CASE("a command's own changes applied in one batch equal the same changes one by one") {
  // Two identical mailboxes: one takes each change alone (set_flags,
  // apply_own_expunge), the other the whole command at once; what the acting
  // session is told, and what another session then hears, must not differ.
  struct Side {
    Fixture f;
    std::unique_ptr<MailboxView> a, b;
  };
  auto make = [] {
    auto s = std::make_unique<Side>();
    std::vector<uint32_t> uids;
    for (uint32_t u = 1; u <= 40; ++u) uids.push_back(u * 2);
    s->f.shared->load(index_of(uids));
    s->a = s->f.open();
    s->b = s->f.open();
    // The feed got ahead of the session: one flag change and one expunge are
    // pending for both views (a's pending set must lose what a reports now).
    s->f.shared->apply(flagged(s->f.mb, 10, st::kFlagged, 100));
    s->f.shared->apply(expunged(s->f.mb, {30}));
    return s;
  };
  auto one = make(), all = make();
  std::vector<st::MessageSummary> store;
  for (uint32_t u : {4u, 10u, 12u, 50u, 80u, 81u}) store.push_back(st::MessageSummary{u, st::kSeen, 200, {"$X"}});
  for (const auto& m : store) one->a->set_flags(m.uid, m.flags, m.keywords, m.modseq);
  all->a->set_flags_batch(store);
  CHECK(one->f.flush(*one->a, false) == all->f.flush(*all->a, false));
  CHECK(one->f.flush(*one->b, false) == all->f.flush(*all->b, false));

  const std::vector<uint32_t> gone = {2, 6, 10, 30, 31, 64, 80};  // 30: already pending; 31: unknown
  std::vector<std::optional<uint32_t>> seqs_one;
  for (uint32_t u : gone) seqs_one.push_back(one->a->apply_own_expunge(u));
  CHECK(all->a->apply_own_expunges(gone) == seqs_one);
  CHECK(seqs_one[0] == 1u);
  CHECK(seqs_one[1] == 2u);  // 6 was number 3; 2 went before it
  CHECK_FALSE(seqs_one[4]);
  CHECK(one->a->exists() == all->a->exists());
  CHECK(one->f.flush(*one->a) == all->f.flush(*all->a));
  const std::string heard = one->f.flush(*one->b);
  CHECK(heard == all->f.flush(*all->b));
  CHECK(heard.find("EXPUNGE") != std::string::npos);
}

TEST_CASE("a new message expunged before its EXISTS is never mentioned; \\Recent goes to one session") {
  Fixture f;
  f.shared->load(index_of({1}));
  auto a = f.open();
  auto b = f.open();
  f.shared->apply(added(f.mb, 2, 5));
  f.shared->apply(added(f.mb, 3, 6));
  f.shared->apply(expunged(f.mb, {2}));
  CHECK(f.flush(*a) == "* 2 EXISTS\r\n* 1 RECENT\r\n");
  CHECK(f.flush(*b) == "* 2 EXISTS\r\n* 0 RECENT\r\n");
  CHECK(a->state(3)->recent);
  CHECK_FALSE(b->state(3)->recent);
  CHECK(a->uid_at(2) == 3u);
}

TEST_CASE("keyword sets are shared, and 10,000 messages cost 16 bytes each in the index and nothing per view") {
  Fixture f;
  std::vector<st::MessageSummary> big;
  for (uint32_t u = 1; u <= 10000; ++u)
    big.push_back(st::MessageSummary{u, st::kSeen, u, u % 2 ? std::vector<std::string>{"$Label1", "Work"}
                                                            : std::vector<std::string>{}});
  f.shared->load(big);
  CHECK(f.shared->memory() < 10000 * 16 + 4096);
  std::vector<std::unique_ptr<MailboxView>> views;
  for (int i = 0; i < 100; ++i) views.push_back(f.open());
  for (auto& v : views) CHECK(v->memory() < 256);
  CHECK(views[7]->state(9999)->keywords.size() == 2);
  CHECK(f.shared->defined_keywords() == std::vector<std::string>{"$Label1", "Work"});
  // 10,000 distinct keyword sets over time still leave one set per live message at most.
  for (uint32_t u = 1; u <= 10000; ++u) f.shared->apply(flagged(f.mb, u, 0, 20000 + u, {"k" + std::to_string(u)}));
  for (auto& v : views) CHECK(v->memory() < 256 + 10000 * sizeof(uint32_t) * 2);
}

}  // namespace server_mailbox_view_test

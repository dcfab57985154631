// FETCH answered from the view (server/imap/view_fetch.h): which item lists
// qualify, the responses' order and content (keywords, \Recent, UID), steps
// bounded by bytes, and messages expunged meanwhile skipped.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "server/imap/view_fetch.h"
#include "storage/types.h"

namespace server_view_fetch_test {

using loft::server::imap::append_view_fetch;
using loft::server::imap::MailboxView;
using loft::server::imap::SharedIndex;
using loft::server::imap::view_answers;
namespace pi = loft::proto::imap;
namespace st = loft::storage;

namespace {

pi::FetchAtt att(pi::FetchAtt::Kind k) {
  pi::FetchAtt a;
  a.kind = k;
  return a;
}
std::vector<pi::FetchAtt> items(pi::FetchAtt::Kind a) { return {att(a)}; }
std::vector<pi::FetchAtt> items(pi::FetchAtt::Kind a, pi::FetchAtt::Kind b) { return {att(a), att(b)}; }

struct Fixture {
  st::MailboxId mb;
  std::shared_ptr<SharedIndex> shared;
  std::unique_ptr<MailboxView> view;
  explicit Fixture(st::MailboxId id) : mb(id), shared(std::make_shared<SharedIndex>(id)) {
    view = std::make_unique<MailboxView>(shared, true, [](const loft::Error*) {});
  }
  std::vector<MailboxView::SeqUid> all() {
    std::vector<MailboxView::SeqUid> out;
    pi::SeqSet set;
    set.ranges.push_back({1, pi::kStar});
    REQUIRE(view->resolve_seqs(set, &out));
    return out;
  }
};

}  // namespace

TEST_CASE("the view answers FLAGS, and UID before FLAGS; anything else goes to the store") {
  using K = pi::FetchAtt::Kind;
  CHECK(view_answers(items(K::flags)));
  CHECK(view_answers(items(K::uid, K::flags)));
  CHECK_FALSE(view_answers(items(K::flags, K::uid)));  // the reply keeps the request's order
  CHECK_FALSE(view_answers(items(K::uid)));
  CHECK_FALSE(view_answers(items(K::flags, K::rfc822_size)));
  CHECK_FALSE(view_answers(items(K::internaldate, K::flags)));
  CHECK_FALSE(view_answers({}));
}

TEST_CASE("FETCH FLAGS from the view: every message in order, keywords, UID, bounded steps, expunged skipped") {
  Fixture f(8801);
  std::vector<st::MessageSummary> index;
  for (uint32_t u = 1; u <= 1000; ++u) index.push_back(st::MessageSummary{u * 2, u % 3 == 0 ? st::kSeen : 0u, u, {}});
  index[9].keywords = {"$Work"};
  f.shared->load(index);
  f.view->on_loaded(nullptr);
  auto targets = f.all();
  REQUIRE(targets.size() == 1000);

  std::string out;
  size_t next = 0;
  append_view_fetch(*f.view, targets, false, &next, 1u << 20, &out);
  CHECK(next == 1000);
  CHECK(out.starts_with("* 1 FETCH (FLAGS ())\r\n* 2 FETCH (FLAGS ())\r\n* 3 FETCH (FLAGS (\\Seen))\r\n"));
  CHECK(out.find("* 10 FETCH (FLAGS ($Work))\r\n") != std::string::npos);
  CHECK(out.ends_with("* 1000 FETCH (FLAGS ())\r\n"));

  // Steps stop once max_bytes is reached and go on where they stopped.
  out.clear();
  next = 0;
  size_t steps = 0;
  std::string all;
  while (next < targets.size() && steps < 2000) {
    out.clear();
    append_view_fetch(*f.view, targets, true, &next, 256, &out);
    CHECK(out.size() < 256 + 64);
    all += out;
    ++steps;
  }
  CHECK(steps > 50);
  CHECK(all.starts_with("* 1 FETCH (UID 2 FLAGS ())\r\n"));
  CHECK(all.ends_with("* 1000 FETCH (UID 2000 FLAGS ())\r\n"));

  // Expunged in the store after the set was resolved: no response for it.
  st::MailboxChange gone;
  gone.mailbox = f.mb;
  gone.expunged = {4};
  f.shared->apply(gone);
  out.clear();
  next = 0;
  append_view_fetch(*f.view, std::span(targets).first(3), true, &next, 1u << 20, &out);
  CHECK(out == "* 1 FETCH (UID 2 FLAGS ())\r\n* 3 FETCH (UID 6 FLAGS (\\Seen))\r\n");
}

}  // namespace server_view_fetch_test

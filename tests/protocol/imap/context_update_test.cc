// RFC 5267 §4 in the pure codec: the UPDATE and CONTEXT return options and
// CANCELUPDATE parse, ADDTO/REMOVEFROM serialize, and the diff between two
// results, checked by applying it as a client must (§4.3.3, §4.3.4) over
// many random results.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/command_table.h"
#include "protocol/imap/context_update.h"
#include "protocol/imap/esearch.h"

namespace protocol_imap_context_update_test {

using namespace loft::proto::imap;
using loft::proto::imap::test::ret_of;

namespace {

// Applies diff to told as the client does, removals then additions.
std::vector<uint32_t> applied(std::vector<uint32_t> told, const ContextDiff& diff) {
  REQUIRE(apply_context_update(&told, false, diff.removed));
  REQUIRE(apply_context_update(&told, true, diff.added));
  return told;
}

}  // namespace

TEST_CASE("UPDATE and CONTEXT return options (RFC 5267 §4.2, §4.3)") {
  auto r = ret_of("a UID SEARCH RETURN (UPDATE) UNSEEN");
  REQUIRE(r);
  CHECK((r->update && !r->all && r->reports()));
  r = ret_of("a SEARCH RETURN (CONTEXT) UNSEEN");  // a hint: () and so ALL
  REQUIRE(r);
  CHECK((r->context && r->all && !r->update));
  r = ret_of("a SEARCH RETURN (context update count) UNSEEN");
  REQUIRE(r);
  CHECK((r->context && r->update && r->count && !r->all));
  r = ret_of("a SEARCH RETURN (SAVE CONTEXT) UNSEEN");  // RFC 5182 §2.1: SAVE alone reports nothing
  REQUIRE(r);
  CHECK((r->save && !r->reports()));
  r = ret_of("a UID SORT RETURN (UPDATE ALL) (DATE) UTF-8 ALL");
  REQUIRE(r);
  CHECK((r->update && r->all));
  for (const char* bad : {"a SEARCH RETURN (UPDATE UPDATE) ALL", "a SEARCH RETURN (UPDATE (FLAGS)) ALL",
                          "a SEARCH RETURN (UPDATES) ALL", "a SEARCH RETURN (CONTEXT PARTIAL 1:2 ALL) ALL"}) {
    CAPTURE(bad);
    CHECK_FALSE(ret_of(bad));
  }
}

TEST_CASE("CANCELUPDATE takes one or more quoted tags (RFC 5267 §5)") {
  ParseResult r = parse_command("a CANCELUPDATE \"B01\" \"x y\"", ParserLimits{});
  REQUIRE(r.command);
  auto& c = std::get<CmdCancelUpdate>(r.command->body);
  CHECK(c.tags == std::vector<std::string>{"B01", "x y"});
  CHECK(command_info(r.command->body).name == std::string_view("CANCELUPDATE"));
  CHECK_FALSE(allowed_in(command_info(r.command->body), kAuthenticated));
  for (const char* bad : {"a CANCELUPDATE", "a CANCELUPDATE B01", "a CANCELUPDATE {3}\r\nB01",
                          "a CANCELUPDATE \"B01\" ", "a CANCELUPDATE  \"B01\""}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_command(bad, ParserLimits{}).command);
  }
}

TEST_CASE("ADDTO and REMOVEFROM serialize in the order given (RFC 5267 §4.3.2)") {
  EsearchResponse r;
  r.tag = "C01";
  r.uid = true;
  r.updates.push_back({false, {{0, {32768}}}});
  r.updates.push_back({true, {{1, {2733}}, {1, {2731, 2732}}}});
  std::string out;
  r.serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"C01\") UID REMOVEFROM (0 32768) ADDTO (1 2733 1 2731:2732)\r\n");
  out.clear();
  r.updates = {{true, {{3, {9, 8, 10, 11, 12}}}}};  // sort order kept; ascending runs merged (§3.2)
  r.serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"C01\") UID ADDTO (3 9,8,10:12)\r\n");
}

TEST_CASE("The RFC's ADDTO example applies to the same list (RFC 5267 §4.3.3)") {
  std::vector<uint32_t> list{2734, 2735};
  const std::vector<ContextPair> pairs{{1, {2733}}, {1, {2731, 2732}}};
  REQUIRE(apply_context_update(&list, true, pairs));
  CHECK(list == std::vector<uint32_t>{2731, 2732, 2733, 2734, 2735});
  ContextDiff d = diff_context(std::vector<uint32_t>{2734, 2735}, list, true);
  CHECK(d.removed.empty());
  REQUIRE(d.added.size() == 1);  // the preferred form: one pair
  CHECK(d.added[0] == ContextPair{1, {2731, 2732, 2733}});
}

TEST_CASE("Removing expunged ids yields runs at their positions") {
  std::vector<uint32_t> told{5, 3, 9, 1, 7, 2};
  auto pairs = remove_from_context(&told, true, [](uint32_t id) { return id == 3 || id == 9 || id == 2; });
  CHECK(told == std::vector<uint32_t>{5, 1, 7});
  CHECK(pairs == std::vector<ContextPair>{{2, {3, 9}}, {4, {2}}});
  std::vector<uint32_t> client{5, 3, 9, 1, 7, 2};
  REQUIRE(apply_context_update(&client, false, pairs));
  CHECK(client == told);
  std::vector<uint32_t> unsorted{1, 4, 6, 8};
  pairs = remove_from_context(&unsorted, false, [](uint32_t id) { return id % 4 == 0; });
  CHECK(pairs == std::vector<ContextPair>{{0, {4, 8}}});
}

TEST_CASE("A diff applied by the client gives the target, over random results") {
  std::mt19937 rng(5267);
  for (int round = 0; round < 2000; ++round) {
    const bool positional = round % 2 == 0;
    // A mailbox of up to 40 messages with a fixed sort order; told and target
    // are subsets of it in that order (sort keys never change).
    std::vector<uint32_t> order(1 + rng() % 40);
    std::iota(order.begin(), order.end(), 1u);
    if (positional) std::shuffle(order.begin(), order.end(), rng);
    std::vector<uint32_t> told, target;
    for (uint32_t id : order) {
      if (rng() % 2) told.push_back(id);
      if (rng() % 3) target.push_back(id);
    }
    ContextDiff d = diff_context(told, target, positional);
    CAPTURE(round);
    CHECK(applied(told, d) == target);
    for (const auto& p : d.added) CHECK((p.first == 0) != positional);
  }
}

TEST_CASE("A positional diff whose order changed starts the list afresh") {
  ContextDiff d = diff_context(std::vector<uint32_t>{1, 2, 3}, std::vector<uint32_t>{3, 1, 4}, true);
  CHECK(d.removed == std::vector<ContextPair>{{1, {1, 2, 3}}});
  CHECK(d.added == std::vector<ContextPair>{{1, {3, 1, 4}}});
  CHECK(applied({1, 2, 3}, d) == std::vector<uint32_t>{3, 1, 4});
}

TEST_CASE("A client rejects pairs that do not fit its list") {
  std::vector<uint32_t> list{1, 2, 3};
  CHECK_FALSE(apply_context_update(&list, true, std::vector<ContextPair>{{5, {9}}}));
  list = {1, 2, 3};
  CHECK_FALSE(apply_context_update(&list, false, std::vector<ContextPair>{{2, {3}}}));
  list = {1, 2, 3};
  CHECK_FALSE(apply_context_update(&list, false, std::vector<ContextPair>{{0, {7}}}));
}

}  // namespace protocol_imap_context_update_test

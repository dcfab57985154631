// The SEARCH evaluator's semantics (RFC 3501 §6.4.4): flags, keywords, dates
// by day, sizes, sets with "*", NOT/OR/AND, and that cheap keys decide first
// so header and body facts are asked only when needed.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/parser.h"
#include "protocol/imap/search_eval.h"
#include "protocol/imap/search_parse.h"

namespace protocol_imap_search_eval_test {

using namespace loft::proto::imap;

namespace {

// Parses "SEARCH <program>" and orders it by cost, as the server does.
SearchKey program(const std::string& text) {
  ParseResult r = parse_command("t SEARCH " + text, ParserLimits{});
  REQUIRE(r.command);
  SearchKey k = std::get<CmdSearch>(r.command->body).program;
  order_by_cost(&k);
  return k;
}

// A content source with fixed answers that counts what it was asked.
struct FakeContent : SearchContentSource {
  std::string header_text;  // what header keys match against (lower case)
  std::string body_text;
  std::optional<int32_t> day;
  int header_calls = 0, body_calls = 0, date_calls = 0;
  bool header_matches(const SearchKey& k) override {
    ++header_calls;
    return header_text.find(k.text) != std::string::npos;
  }
  std::optional<int32_t> sent_day() override {
    ++date_calls;
    return day;
  }
  bool body_matches(const SearchKey& k) override {
    ++body_calls;
    return body_text.find(k.text) != std::string::npos;
  }
  // FUZZY answered exactly: these tests are about the evaluator's order.
  bool fuzzy_matches(const SearchKey& k) override {
    return k.kind == SearchKey::Kind::subject ? header_matches(k) : body_matches(k);
  }
  double fuzzy_strength(const SearchKey& k) override { return fuzzy_matches(k) ? 1.0 : 0.0; }
};

bool match(const std::string& text, const SearchFacts& m, FakeContent* c = nullptr, SearchView v = {10, 100}) {
  FakeContent none;
  return search_matches(program(text), m, v, c ? c : &none);
}

}  // namespace

TEST_CASE("flag keys and their negations follow the flag bits") {
  SearchFacts m;
  m.flags = kSearchSeen | kSearchFlagged;
  CHECK(match("SEEN FLAGGED", m));
  CHECK(match("UNANSWERED UNDELETED UNDRAFT", m));
  CHECK_FALSE(match("UNSEEN", m));
  CHECK_FALSE(match("ANSWERED", m));
  CHECK_FALSE(match("DELETED", m));
  CHECK_FALSE(match("DRAFT", m));
  CHECK_FALSE(match("UNFLAGGED", m));
  m.flags = kSearchAnswered | kSearchDeleted | kSearchDraft;
  CHECK(match("ANSWERED DELETED DRAFT UNSEEN UNFLAGGED", m));
}

TEST_CASE("RECENT, NEW and OLD: NEW is RECENT UNSEEN, OLD is NOT RECENT") {
  SearchFacts m;
  m.recent = true;
  CHECK(match("RECENT", m));
  CHECK(match("NEW", m));
  CHECK_FALSE(match("OLD", m));
  m.flags = kSearchSeen;
  CHECK_FALSE(match("NEW", m));
  m.recent = false;
  CHECK(match("OLD", m));
  CHECK_FALSE(match("RECENT", m));
}

TEST_CASE("keywords compare without regard to case") {
  std::vector<std::string> kw = {"$Junk", "Work"};
  SearchFacts m;
  m.keywords = kw;
  CHECK(match("KEYWORD $junk", m));
  CHECK(match("KEYWORD WORK UNKEYWORD home", m));
  CHECK_FALSE(match("UNKEYWORD work", m));
  CHECK_FALSE(match("KEYWORD Wor", m));
}

TEST_CASE("internal dates compare by day in the message's own zone") {
  SearchFacts m;
  m.internal_date = 9694LL * 86400 + 23 * 3600;  // 17-Jul-1996 23:00 UTC
  m.tz_offset_minutes = 0;
  CHECK(match("ON 17-Jul-1996", m));
  CHECK(match("SINCE 17-Jul-1996 BEFORE 18-Jul-1996", m));
  CHECK_FALSE(match("BEFORE 17-Jul-1996", m));
  CHECK_FALSE(match("SINCE 18-Jul-1996", m));
  m.tz_offset_minutes = 120;  // 18-Jul-1996 01:00 +0200
  CHECK(match("ON 18-Jul-1996", m));
  m.internal_date = -1;  // 31-Dec-1969 23:59:59
  m.tz_offset_minutes = 0;
  CHECK(match("ON 31-Dec-1969", m));
  CHECK(internal_day(-86400, 0) == -1);
  CHECK(internal_day(-86401, 0) == -2);
}

TEST_CASE("sent dates come from the Date: day; a message without one counts as 1-Jan-1970") {
  SearchFacts m;
  FakeContent c;
  c.day = 9694;
  CHECK(match("SENTON 17-Jul-1996", m, &c));
  CHECK(match("SENTSINCE 17-Jul-1996 SENTBEFORE 18-Jul-1996", m, &c));
  CHECK_FALSE(match("SENTBEFORE 17-Jul-1996", m, &c));
  c.day.reset();
  CHECK(match("SENTON 1-Jan-1970", m, &c));
  CHECK(match("SENTBEFORE 2-Jan-1970", m, &c));
  CHECK_FALSE(match("SENTSINCE 2-Jan-1970", m, &c));
}

TEST_CASE("LARGER and SMALLER are strict comparisons of RFC822.SIZE") {
  SearchFacts m;
  m.size = 100;
  CHECK(match("LARGER 99", m));
  CHECK_FALSE(match("LARGER 100", m));
  CHECK(match("SMALLER 101", m));
  CHECK_FALSE(match("SMALLER 100", m));
}

TEST_CASE("sequence sets and UID sets, with * the last message or UID") {
  SearchFacts m;
  m.seq = 10;
  m.uid = 100;
  SearchView v{10, 100};
  CHECK(match("10", m, nullptr, v));
  CHECK(match("*", m, nullptr, v));
  CHECK(match("1:3,8:*", m, nullptr, v));
  CHECK(match("UID 100", m, nullptr, v));
  CHECK(match("UID 200:*", m, nullptr, v));  // RFC 3501 §6.4.8: n:* includes the last
  CHECK(match("UID *", m, nullptr, v));
  CHECK_FALSE(match("1:9", m, nullptr, v));
  CHECK_FALSE(match("UID 1:99", m, nullptr, v));
  m.seq = 3;
  m.uid = 30;
  CHECK_FALSE(match("*", m, nullptr, v));
  CHECK_FALSE(match("UID *", m, nullptr, v));
  CHECK(match("*:2", m, nullptr, v));
}

TEST_CASE("NOT, OR and lists combine as boolean logic") {
  SearchFacts m;
  m.flags = kSearchSeen;
  CHECK(match("NOT UNSEEN", m));
  CHECK(match("OR FLAGGED SEEN", m));
  CHECK(match("OR SEEN FLAGGED", m));
  CHECK_FALSE(match("OR FLAGGED DELETED", m));
  CHECK(match("NOT (FLAGGED SEEN)", m));
  CHECK_FALSE(match("(FLAGGED SEEN)", m));
  CHECK(match("NOT NOT SEEN", m));
  CHECK(match("ALL", m));
}

TEST_CASE("cheap keys decide first: headers and bodies are asked only when needed") {
  SearchFacts m;
  m.flags = kSearchSeen;
  FakeContent c;
  c.header_text = "alice";
  c.body_text = "hello";
  // The body key is written first, but UNSEEN decides
  CHECK_FALSE(match("BODY hello FROM alice UNSEEN", m, &c));
  CHECK(c.body_calls == 0);
  CHECK(c.header_calls == 0);
  // the header key fails before the body is read
  CHECK_FALSE(match("BODY hello FROM bob", m, &c));
  CHECK(c.header_calls == 1);
  CHECK(c.body_calls == 0);
  // OR: a cheap true operand spares the expensive one, whichever side it is on
  CHECK(match("OR BODY nothing SEEN", m, &c));
  CHECK(c.body_calls == 0);
  CHECK(match("BODY hello FROM alice", m, &c));
  CHECK(c.body_calls == 1);
  CHECK(search_cost(program("SEEN UID 1 5")) == SearchCost::view);
  CHECK(search_cost(program("SEEN LARGER 5")) == SearchCost::record);
  CHECK(search_cost(program("OR SEEN SENTON 1-Jan-2000")) == SearchCost::header);
  CHECK(search_cost(program("NOT TEXT x")) == SearchCost::body);
}

TEST_CASE("the untagged SEARCH response lists the numbers, or none") {
  std::string out;
  std::vector<uint32_t> n = {1, 5, 42};
  append_search_response(&out, n);
  CHECK(out == "* SEARCH 1 5 42\r\n");
  out.clear();
  append_search_response(&out, {});
  CHECK(out == "* SEARCH\r\n");
}

}  // namespace protocol_imap_search_eval_test

// SORT and THREAD building blocks (RFC 5256): base subjects (§2.1), sent
// dates (§2.2), sort facts from a header, the sort order, the threading
// algorithms with cycles, missing parents and duplicate ids, the THREAD and
// ESEARCH (RFC 4731) serializations, and the command grammar.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/base_subject.h"
#include "protocol/imap/esearch.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/search_eval.h"
#include "protocol/imap/sort.h"
#include "protocol/imap/thread.h"

namespace protocol_imap_sort_thread_test {

using namespace loft::proto::imap;

namespace {

std::string base(const std::string& s) { return base_subject(s).text; }

SortFacts msg(uint32_t n, const std::string& id, std::vector<std::string> refs, int64_t sent,
              const std::string& subject = "", bool reply = false) {
  SortFacts f;
  f.seq = n;
  f.uid = n + 100;
  f.message_id = id;
  f.references = std::move(refs);
  f.sent = sent;
  f.subject = subject;
  f.reply = reply;
  return f;
}

std::string threads(const std::vector<SortFacts>& m, ThreadAlgorithm a) {
  std::string out;
  append_thread_response(&out, thread_messages(m, a, false));
  return out;
}

}  // namespace

TEST_CASE("base subject: RFC 5256 §2.1 steps") {
  CHECK(base("Hello") == "Hello");
  CHECK(base("Re: Hello") == "Hello");
  CHECK(base("RE: re: Fwd: FW: hello") == "hello");
  CHECK(base("Re[2]: hello") == "hello");              // subj-refwd with a blob
  CHECK(base("Re [2] : hello") == "hello");             // *WSP around the blob
  CHECK(base("[list] Re: hello") == "hello");           // *subj-blob subj-refwd
  CHECK(base("[list] hello") == "hello");               // step 4
  CHECK(base("[list]") == "[list]");                    // step 4 keeps a blob that is all there is
  CHECK(base("[a][b]   ") == "[b]");                    // trailing space, then one blob left
  CHECK(base("hello (fwd)") == "hello");                // step 2
  CHECK(base("hello (FWD) (fwd)  ") == "hello");
  CHECK(base("[fwd: hello]") == "hello");               // step 6
  CHECK(base("[Fwd: Re: [x] hello (fwd)]") == "hello"); // step 6, then 2-5 again
  CHECK(base("  \t Re:\t  hello   there ") == "hello there");  // step 1 white space
  CHECK(base("Reply: hello") == "Reply: hello");        // "re" must be followed by ":"
  CHECK(base("Fwd:") == "");
  CHECK(base("=?utf-8?q?Re=3A_caf=C3=A9?=") == "caf\xc3\xa9");  // RFC 2047 first
  CHECK(base_subject("Re: x").reply);
  CHECK(base_subject("x (fwd)").reply);
  CHECK(base_subject("[fwd: x]").reply);
  CHECK_FALSE(base_subject("[list] x").reply);
  CHECK(sort_fold("aBc-z\xc3\xa9") == "ABC-Z\xc3\xa9");
}

TEST_CASE("sent date: RFC 5322 date-time in UTC") {
  CHECK(parse_rfc5322_datetime("Thu, 1 Jan 1970 00:00:00 +0000") == 0);
  CHECK(parse_rfc5322_datetime("1 Jan 1970 01:00 +0100") == 0);
  CHECK(parse_rfc5322_datetime("Wed, 31 Dec 1969 19:00:00 -0500") == 0);
  CHECK(parse_rfc5322_datetime("2 Jan 70 00:00:00 GMT") == 86400);           // two-digit year
  CHECK(parse_rfc5322_datetime("1 Jan 1970 00:00:00 EST") == 5 * 3600);      // obs-zone
  CHECK(parse_rfc5322_datetime("Fri, 21 Nov 1997 09(comment):   55  :  06 -0600") ==
        parse_rfc5322_datetime("Fri, 21 Nov 1997 09:55:06 -0600"));         // obsolete CFWS
  CHECK_FALSE(parse_rfc5322_datetime("").has_value());
  CHECK_FALSE(parse_rfc5322_datetime("Pn, 29 paX 2007 21:13:00 +0100").has_value());
  CHECK_FALSE(parse_rfc5322_datetime("1 Jan 2000").has_value());  // no time
}

TEST_CASE("sort facts from a header") {
  std::string h =
      "From: \"Zed Z\" <zed@Example.org>, amy@x\r\nTo: A Group: b@x;\r\nCc: <carl@x>\r\n"
      "Subject: Re: [list] Hi\r\nDate: bogus\r\nMessage-ID: <id1@x>\r\nIn-Reply-To: <p@x>\r\n"
      "References: <r1@x> <r2@x>\r\n\r\n";
  SortFacts f = sort_facts_from_header(h, 1234, 99);
  CHECK(f.sent == 1234);  // unreadable Date: is the INTERNALDATE (§2.2)
  CHECK(f.arrival == 1234);
  CHECK(f.size == 99);
  CHECK(f.subject == "HI");
  CHECK(f.reply);
  CHECK(f.from == "ZED");
  CHECK(f.display_from == "ZED Z");
  CHECK(f.to == "A GROUP");  // a group's start is the first address (as ENVELOPE shows it)
  CHECK(f.cc == "CARL");
  CHECK(f.display_to == "A GROUP");
  CHECK(f.message_id == "id1@x");
  CHECK(f.references == std::vector<std::string>{"r1@x", "r2@x"});
  SortFacts g = sort_facts_from_header("From: bob@x\r\nIn-Reply-To: junk <p@x> <q@x>\r\n\r\n", 0, 0);
  CHECK(g.display_from == "BOB@X");
  CHECK(g.references == std::vector<std::string>{"p@x"});  // In-Reply-To's first msg-id
}

TEST_CASE("sort order: keys, REVERSE, ties in sequence order") {
  std::vector<SortFacts> m(3);
  for (uint32_t i = 0; i < 3; ++i) m[i].seq = i + 1;
  m[0].size = 5; m[1].size = 1; m[2].size = 5;
  m[0].subject = "B"; m[1].subject = "A"; m[2].subject = "A";
  std::vector<SortCriterion> size{{SortKey::size, false}};
  CHECK(sort_order(m, size) == std::vector<size_t>{1, 0, 2});
  std::vector<SortCriterion> rsize{{SortKey::size, true}};
  CHECK(sort_order(m, rsize) == std::vector<size_t>{0, 2, 1});
  std::vector<SortCriterion> two{{SortKey::subject, false}, {SortKey::size, true}};
  CHECK(sort_order(m, two) == std::vector<size_t>{2, 1, 0});
}

TEST_CASE("THREAD=REFERENCES: parents, missing parents, dummies, subjects") {
  // 1 <- 2 <- 3; 4 answers a missing message, as does 5: a dummy root for both.
  std::vector<SortFacts> m = {msg(1, "a", {}, 10), msg(2, "b", {"a"}, 20), msg(3, "c", {"a", "b"}, 30),
                              msg(4, "d", {"gone"}, 40), msg(5, "e", {"gone"}, 50)};
  CHECK(threads(m, ThreadAlgorithm::references) == "* THREAD (1 2 3)((4)(5))\r\n");
  // A missing message between 1 and its answers: its children move up to 1.
  std::vector<SortFacts> gap = {msg(1, "a", {}, 1), msg(2, "b", {"a", "gone"}, 2), msg(3, "c", {"a", "gone"}, 9),
                                msg(4, "d", {"a"}, 5)};
  CHECK(threads(gap, ThreadAlgorithm::references) == "* THREAD (1 (2)(4)(3))\r\n");
  // A missing parent with one child is no dummy: the child is the root.
  m.pop_back();
  CHECK(threads(m, ThreadAlgorithm::references) == "* THREAD (1 2 3)(4)\r\n");
  // Siblings by sent date, ties in sequence order.
  std::vector<SortFacts> s = {msg(1, "p", {}, 5), msg(2, "x", {"p"}, 9), msg(3, "y", {"p"}, 7),
                              msg(4, "z", {"p"}, 7)};
  CHECK(threads(s, ThreadAlgorithm::references) == "* THREAD (1 (3)(4)(2))\r\n");
}

TEST_CASE("THREAD=REFERENCES: cycles and duplicate Message-IDs") {
  // a's References say c, c's say a: the loop is not closed.
  std::vector<SortFacts> m = {msg(1, "a", {"c"}, 1), msg(2, "c", {"a"}, 2)};
  std::string out = threads(m, ThreadAlgorithm::references);
  CHECK((out == "* THREAD (1 2)\r\n" || out == "* THREAD (2 1)\r\n"));
  // Two References fields in opposite orders: x -> y is kept, y -> x would close a loop.
  std::vector<SortFacts> twisted = {msg(1, "a", {"x", "y"}, 1), msg(2, "b", {"y", "x"}, 2)};
  CHECK(threads(twisted, ThreadAlgorithm::references) == "* THREAD ((1)(2))\r\n");
  // A reply chain deeper than kMaxThreadDepth is cut: no unbounded recursion.
  std::vector<SortFacts> deep;
  for (uint32_t i = 1; i <= 3000; ++i) {
    deep.push_back(msg(i, "m" + std::to_string(i), {}, i));
    if (i > 1) deep.back().references = {"m" + std::to_string(i - 1)};
  }
  std::string deep_out = threads(deep, ThreadAlgorithm::references);
  CHECK(deep_out.rfind("* THREAD (1 2 3 ", 0) == 0);
  CHECK(deep_out.find(" 1000)(1001 1002 ") != std::string::npos);
  // A message referencing itself.
  std::vector<SortFacts> self = {msg(1, "a", {"a"}, 1)};
  CHECK(threads(self, ThreadAlgorithm::references) == "* THREAD (1)\r\n");
  // Two messages with one Message-ID: the second gets its own container.
  std::vector<SortFacts> dup = {msg(1, "a", {}, 1), msg(2, "a", {}, 2), msg(3, "b", {"a"}, 3)};
  CHECK(threads(dup, ThreadAlgorithm::references) == "* THREAD (1 3)(2)\r\n");
  // A long References chain through missing messages.
  std::vector<SortFacts> chain = {msg(1, "r", {}, 1), msg(2, "z", {"r", "m1", "m2", "m3"}, 2)};
  CHECK(threads(chain, ThreadAlgorithm::references) == "* THREAD (1 2)\r\n");
}

TEST_CASE("THREAD=REFERENCES step 5: subject gathering") {
  // Two unrelated roots with one subject, neither a reply: a dummy holds both.
  std::vector<SortFacts> a = {msg(1, "a", {}, 1, "HI"), msg(2, "b", {}, 2, "HI")};
  CHECK(threads(a, ThreadAlgorithm::references) == "* THREAD ((1)(2))\r\n");
  // A reply ("Re:") root goes under the non-reply with its subject.
  std::vector<SortFacts> b = {msg(1, "a", {}, 1, "HI", true), msg(2, "b", {}, 2, "HI")};
  CHECK(threads(b, ThreadAlgorithm::references) == "* THREAD (2 1)\r\n");
  // A dummy root's subject is its first child's; a real root joins it.
  std::vector<SortFacts> c = {msg(1, "a", {"gone"}, 1, "HI"), msg(2, "b", {"gone"}, 2, "HI"),
                              msg(3, "c", {}, 3, "HI")};
  CHECK(threads(c, ThreadAlgorithm::references) == "* THREAD ((1)(2)(3))\r\n");
  // REFS does not gather by subject and orders threads by their latest message.
  CHECK(threads(a, ThreadAlgorithm::refs) == "* THREAD (1)(2)\r\n");
  std::vector<SortFacts> d = {msg(1, "a", {}, 1), msg(2, "b", {}, 5), msg(3, "c", {"a"}, 9)};
  CHECK(threads(d, ThreadAlgorithm::refs) == "* THREAD (2)(1 3)\r\n");
  CHECK(threads(d, ThreadAlgorithm::references) == "* THREAD (1 3)(2)\r\n");
}

TEST_CASE("THREAD=ORDEREDSUBJECT") {
  std::vector<SortFacts> m = {msg(1, "", {}, 30, "B"), msg(2, "", {}, 10, "A"), msg(3, "", {}, 20, "B"),
                              msg(4, "", {}, 40, "A"), msg(5, "", {}, 5, "C"), msg(6, "", {}, 50, "A")};
  CHECK(threads(m, ThreadAlgorithm::orderedsubject) == "* THREAD (5)(2 (4)(6))(3 1)\r\n");
  CHECK(threads({}, ThreadAlgorithm::orderedsubject) == "* THREAD\r\n");
  std::string uid;
  append_thread_response(&uid, thread_messages(m, ThreadAlgorithm::orderedsubject, true));
  CHECK(uid == "* THREAD (105)(102 (104)(106))(103 101)\r\n");
}

TEST_CASE("ESEARCH response (RFC 4731 §3.1)") {
  std::vector<uint32_t> hits = {1, 2, 3, 5, 7, 8};
  SearchReturn all_opts{true, true, true, true, false, {}};
  std::string out;
  make_esearch("A1", false, all_opts, hits, true).serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"A1\") MIN 1 MAX 8 ALL 1:3,5,7:8 COUNT 6\r\n");
  out.clear();
  make_esearch("A2", true, all_opts, {}, true).serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"A2\") UID COUNT 0\r\n");
  out.clear();
  // ESORT (RFC 5267 §3.2): MIN/MAX are the first and last in sort order, ALL keeps it.
  std::vector<uint32_t> sorted = {4, 3, 2, 1, 5, 6};
  make_esearch("A3", false, all_opts, sorted, false).serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"A3\") MIN 4 MAX 6 ALL 4,3,2,1,5:6 COUNT 6\r\n");
  out.clear();
  EsearchResponse r = make_esearch("A4", false, SearchReturn{false, false, false, true, false, {}}, hits, true);
  r.extra.push_back("MODSEQ 917162500");  // another extension's return data
  r.serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"A4\") COUNT 6 MODSEQ 917162500\r\n");
  CHECK(compact_set(std::vector<uint32_t>{}) == "");
  CHECK(compact_set(std::vector<uint32_t>{9}) == "9");
}

TEST_CASE("SORT / THREAD / SEARCH RETURN grammar") {
  auto parse = [](const std::string& line) { return parse_command(line, ParserLimits{}); };
  ParseResult r = parse("t UID SORT RETURN (MIN COUNT) (REVERSE DATE subject DISPLAYFROM) utf-8 UNSEEN");
  REQUIRE(r.command);
  const auto& s = std::get<CmdSort>(r.command->body);
  CHECK(s.uid);
  REQUIRE(s.criteria.size() == 3);
  CHECK((s.criteria[0].key == SortKey::date && s.criteria[0].reverse));
  CHECK((s.criteria[1].key == SortKey::subject && !s.criteria[1].reverse));
  CHECK(s.criteria[2].key == SortKey::display_from);
  CHECK((s.ret && s.ret->min && s.ret->count && !s.ret->all));
  CHECK(s.search.charset == "utf-8");
  r = parse("t SEARCH RETURN () ALL");
  REQUIRE(r.command);
  CHECK(std::get<CmdSearch>(r.command->body).ret->all);  // () means ALL
  // A repeated key is dropped: it cannot change the order, and a line of
  // thousands of them must not multiply the work of every comparison.
  r = parse("t SORT (DATE REVERSE DATE SIZE date) UTF-8 ALL");
  REQUIRE(r.command);
  const auto& dedup = std::get<CmdSort>(r.command->body).criteria;
  REQUIRE(dedup.size() == 2);
  CHECK((dedup[0].key == SortKey::date && !dedup[0].reverse && dedup[1].key == SortKey::size));
  std::string many = "t SORT (";
  for (int i = 0; i < 5000; ++i) many += i ? " CC" : "CC";
  r = parse(many + ") UTF-8 ALL");
  REQUIRE(r.command);
  CHECK(std::get<CmdSort>(r.command->body).criteria.size() == 1);
  r = parse("t THREAD refs US-ASCII ALL");
  REQUIRE(r.command);
  CHECK(std::get<CmdThread>(r.command->body).algorithm == ThreadAlgorithm::refs);
  for (const char* bad : {"t SORT (DATE) ALL x", "t SORT () UTF-8 ALL", "t SORT (REVERSE) UTF-8 ALL",
                          "t SORT (DATE) UTF-8", "t SORT (ARRIVAL", "t THREAD X UTF-8 ALL", "t THREAD REFS",
                          "t SEARCH RETURN (FOO) ALL", "t SEARCH RETURN (MIN ALL", "t SORT (SIZE) UTF-8 FOO"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse(bad).command);
  }
}

TEST_CASE("WITHIN (RFC 5032): OLDER and YOUNGER against the search's now") {
  auto parse = [](const std::string& line) { return parse_command(line, ParserLimits{}); };
  ParseResult r = parse("t SEARCH OLDER 3600 younger 60");
  REQUIRE(r.command);
  const SearchKey& p = std::get<CmdSearch>(r.command->body).program;
  REQUIRE(p.children.size() == 2);
  CHECK((p.children[0].kind == SearchKey::Kind::older && p.children[0].number == 3600));
  CHECK((p.children[1].kind == SearchKey::Kind::younger && p.children[1].number == 60));
  CHECK(search_cost(p) == SearchCost::record);
  CHECK_FALSE(parse("t SEARCH OLDER 0").command);  // nz-number
  CHECK_FALSE(parse("t SEARCH YOUNGER").command);
  SearchView view{10, 10, 100000};
  SearchFacts m;
  m.internal_date = 100000 - 60;
  CHECK(search_matches(p.children[1], m, view, nullptr));    // 60 s ago is within 60 s
  CHECK_FALSE(search_matches(p.children[0], m, view, nullptr));
  m.internal_date = 100000 - 3601;
  CHECK(search_matches(p.children[0], m, view, nullptr));
  CHECK_FALSE(search_matches(p.children[1], m, view, nullptr));
}

}  // namespace protocol_imap_sort_thread_test

// SEARCH=FUZZY (RFC 6203): the FUZZY key and RELEVANCY grammar, Snowball
// stems, fuzzy matching over streamed text, relevancy bounds and the
// RELEVANCY return data and sort key.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/search_content.h"
#include "protocol/imap/search_fuzzy.h"
#include "protocol/imap/search_parse.h"
#include "protocol/imap/sort.h"
#include "protocol/imap/stemmer.h"

namespace protocol_imap_search_fuzzy_test {

namespace pi = loft::proto::imap;
using loft::proto::imap::test::parse;

namespace {

pi::FuzzyStats stats_of(std::string_view needle, std::string_view text) {
  pi::FuzzyNeedle n(needle);
  pi::FuzzySink sink({&n});
  sink.feed(text);
  sink.finish();
  return sink.stats(0);
}

// SEARCH <program> over one message, through SearchContent as the server does.
bool message_matches(const std::string& program, const std::string& message, uint8_t* score = nullptr) {
  pi::ParseResult r = pi::parse_command("t SEARCH " + program, pi::ParserLimits{});
  REQUIRE(r.command);
  pi::SearchKey k = std::get<pi::CmdSearch>(r.command->body).program;
  pi::SearchNeedles needles(k);
  size_t header = message.find("\r\n\r\n") + 4;
  pi::SearchContent content(
      needles, [&](uint64_t off, uint64_t len) -> loft::Result<std::string> { return message.substr(off, len); },
      message.size(), header);
  bool m = pi::search_matches(k, pi::SearchFacts{}, pi::SearchView{1, 1}, &content);
  if (score != nullptr) *score = pi::search_relevancy(k, &content);
  return m;
}

const std::string kMail =
    "Subject: Meetings next week\r\nFrom: a@example.org\r\n\r\n"
    "We are meeting on Monday. The meeting notes follow; connected people only.\r\n";

}  // namespace

TEST_CASE("FUZZY prefixes any key; FUZZY applies to everything under it") {
  CHECK(parse("a SEARCH FUZZY BODY meet") == "a SEARCH AND (FUZZY BODY [meet])");
  CHECK(parse("a SEARCH fuzzy subject \"x y\" SEEN") == "a SEARCH AND (FUZZY SUBJECT [x y] SEEN)");
  CHECK(parse("a SEARCH FUZZY (TEXT a OR BODY b FROM c)") ==
        "a SEARCH AND (FUZZY AND (FUZZY TEXT [a] FUZZY OR (FUZZY BODY [b] FUZZY FROM [c])))");
  CHECK(parse("a SEARCH NOT FUZZY BODY a") == "a SEARCH AND (NOT (FUZZY BODY [a]))");
  CHECK(parse("a SEARCH FUZZY FUZZY SEEN") == "a SEARCH AND (FUZZY SEEN)");
  CHECK(parse("a SEARCH FUZZY").rfind("BAD ", 0) == 0);
  CHECK(parse("a SEARCH FUZZY BODY").rfind("BAD ", 0) == 0);
  CHECK(parse("a SEARCH FUZZY NOPE x").rfind("BAD ", 0) == 0);
  CHECK(parse("a SEARCH FUZZY(BODY x)").rfind("BAD ", 0) == 0);
}

TEST_CASE("RELEVANCY is a return option and a sort key") {
  pi::ParseResult r = pi::parse_command("t SEARCH RETURN (RELEVANCY) FUZZY BODY x", pi::ParserLimits{});
  REQUIRE(r.command);
  const auto& s = std::get<pi::CmdSearch>(r.command->body);
  REQUIRE(s.ret);
  CHECK(s.ret->relevancy);
  CHECK_FALSE(s.ret->all);  // RELEVANCY alone is not RETURN ()
  CHECK(s.ret->reports());
  pi::ParseResult q = pi::parse_command("t SORT (REVERSE RELEVANCY DATE) UTF-8 FUZZY TEXT x", pi::ParserLimits{});
  REQUIRE(q.command);
  const auto& sort = std::get<pi::CmdSort>(q.command->body);
  REQUIRE(sort.criteria.size() == 2);
  CHECK(sort.criteria[0].key == pi::SortKey::relevancy);
  CHECK(sort.criteria[0].reverse);
  CHECK(parse("t SEARCH RETURN (RELEVANCE) ALL").rfind("BAD ", 0) == 0);
}

TEST_CASE("Snowball stems: english by default, german and french when configured") {
  CHECK(pi::stem_word("meeting", "english") == pi::stem_word("meetings", "english"));
  CHECK(pi::stem_word("meet", "english") == pi::stem_word("meeting", "english"));
  CHECK(pi::stem_word("connected", "english") == pi::stem_word("connection", "english"));
  CHECK(pi::stem_word("häuser", "german") == pi::stem_word("haus", "german"));
  CHECK(pi::stem_word("continuellement", "french") == pi::stem_word("continuel", "french"));
  CHECK(pi::stem_word("meetings", "klingon") == "meetings");
  CHECK(pi::stem_language_known("english"));
  CHECK(pi::stem_language_known("german"));
  CHECK_FALSE(pi::stem_language_known("klingon"));
  std::string longword(pi::kMaxStemBytes + 1, 'a');
  CHECK(pi::stem_word(longword + "ing", "english") == longword + "ing");
}

TEST_CASE("a FUZZY needle word matches exactly or by stem, every word must match") {
  CHECK(stats_of("meetings", "we are meeting today").matches());      // stem
  CHECK(stats_of("meet", "the meeting").matches());                   // substring and stem
  CHECK(stats_of("eet", "the meeting").matches());                    // RFC 3501 substring
  CHECK_FALSE(stats_of("meetings", "we meet").exact[0]);
  CHECK(stats_of("meetings", "we meet").stem_hits[0] == 1);
  CHECK_FALSE(stats_of("meetings monday", "the meeting").matches());  // monday missing
  CHECK_FALSE(stats_of("", "anything").matches());                    // no words
  CHECK(stats_of("meetings", "meetings meeting meet x").stem_hits[0] == 3);
  CHECK(stats_of("meetings", "a b c d").text_words == 4);
}

TEST_CASE("stems follow the configured languages") {
  CHECK_FALSE(stats_of("häuser", "ein haus").matches());  // english only: no german stem
  pi::set_stem_languages({"english", "german"});
  CHECK(stats_of("häuser", "ein haus").matches());
  pi::set_stem_languages({});
  CHECK_FALSE(stats_of("meetings", "meeting").matches());  // no stemming: exact words only
  pi::set_stem_languages({"english"});
}

TEST_CASE("FUZZY BODY, TEXT and SUBJECT over a message; other keys stay exact") {
  CHECK(message_matches("FUZZY BODY meetings", kMail));
  CHECK_FALSE(message_matches("BODY meetings", kMail));
  CHECK(message_matches("FUZZY BODY \"connection notes\"", kMail));
  CHECK_FALSE(message_matches("FUZZY BODY \"connection lunch\"", kMail));
  CHECK(message_matches("FUZZY SUBJECT meeting", kMail));
  CHECK(message_matches("FUZZY SUBJECT weeks", kMail));
  CHECK_FALSE(message_matches("SUBJECT weeks", kMail));
  CHECK(message_matches("FUZZY TEXT \"weeks\"", kMail));   // the header side of TEXT
  CHECK_FALSE(message_matches("FUZZY BODY weeks", kMail));  // not in the body
  CHECK_FALSE(message_matches("FUZZY FROM examples", kMail));  // addresses: exact
  CHECK(message_matches("NOT FUZZY BODY lunches", kMail));
  CHECK(message_matches("FUZZY BODY \"!!\"", "Subject: x\r\n\r\nsay !! now\r\n"));  // no words: exact
}

TEST_CASE("relevancy: 1..100, subject above body, exact above stem, 100 without FUZZY") {
  uint8_t subject = 0, body = 0, exact = 0, stem = 0, none = 0, miss = 0;
  CHECK(message_matches("FUZZY SUBJECT meetings", kMail, &subject));
  CHECK(message_matches("FUZZY BODY meetings", kMail, &body));
  CHECK(subject > body);
  CHECK(message_matches("FUZZY BODY meeting", kMail, &exact));
  CHECK(exact > body);
  CHECK(message_matches("FUZZY BODY connection", kMail, &stem));
  CHECK(message_matches("BODY meeting", kMail, &none));
  CHECK(none == 100);
  CHECK(message_matches("OR FUZZY BODY lunch ALL", kMail, &miss));
  CHECK(miss == 1);  // the one FUZZY key did not match
  for (uint8_t s : {subject, body, exact, stem}) {
    CHECK(s >= 1);
    CHECK(s <= 100);
  }
  CHECK(pi::relevancy_score(std::vector<double>{}) == 100);
  CHECK(pi::relevancy_score(std::vector<double>{0.0}) == 1);
  CHECK(pi::relevancy_score(std::vector<double>{1.0}) == 100);
  CHECK(pi::relevancy_score(std::vector<double>{5.0, -1.0}) == 51);  // clamped to [0, 1]
  pi::FuzzyStats full = stats_of("x", std::string(1000, 'x'));
  CHECK(pi::fuzzy_strength(full, pi::FuzzyField::subject) <= 1.0);
  CHECK(pi::fuzzy_strength(stats_of("y", "x"), pi::FuzzyField::subject) == 0.0);
}

TEST_CASE("RELEVANCY return data and sort order") {
  std::vector<uint8_t> scores = {4, 99, 42};
  CHECK(pi::relevancy_return_data(scores) == "RELEVANCY (4 99 42)");
  pi::EsearchResponse r = pi::make_esearch("T", true, pi::SearchReturn{false, false, true, false, false, {}, true},
                                           std::vector<uint32_t>{1, 5, 10}, true);
  r.extra.push_back(pi::relevancy_return_data(scores));
  std::string out;
  r.serialize(&out);
  CHECK(out == "* ESEARCH (TAG \"T\") UID ALL 1,5,10 RELEVANCY (4 99 42)\r\n");
  std::vector<pi::SortFacts> msgs(4);
  uint8_t rel[] = {40, 90, 40, 10};
  for (size_t i = 0; i < msgs.size(); ++i) {
    msgs[i].seq = static_cast<uint32_t>(i + 1);
    msgs[i].relevancy = rel[i];
    msgs[i].size = 100 - i;
  }
  std::vector<pi::SortCriterion> by_rel = {{pi::SortKey::relevancy, false}};
  CHECK(pi::sort_order(msgs, by_rel) == std::vector<size_t>{1, 0, 2, 3});  // ties: sequence order
  std::vector<pi::SortCriterion> rev = {{pi::SortKey::relevancy, true}, {pi::SortKey::size, false}};
  CHECK(pi::sort_order(msgs, rev) == std::vector<size_t>{3, 2, 0, 1});  // tie broken by SIZE
}

}  // namespace protocol_imap_search_fuzzy_test

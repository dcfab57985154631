// RFC 5182 SEARCHRES in the pure codec: "$" wherever a sequence set may be
// (§3 seq-last-command), alone only; RETURN (SAVE); sets built from saved
// UIDs; whole streams split at every byte.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/esearch.h"
#include "protocol/imap/seqset.h"

namespace protocol_imap_searchres_test {

using namespace loft::proto::imap;
using loft::proto::imap::test::feed_all;
using loft::proto::imap::test::feed_chunks;
using loft::proto::imap::test::parse;

TEST_CASE("\"$\" is a sequence set in every command that takes one (RFC 5182 §3)") {
  CHECK(parse("a FETCH $ (FLAGS)") == "a FETCH $ (FLAGS)");
  CHECK(parse("a UID FETCH $ UID") == "a UID FETCH $ (UID)");
  CHECK(parse("a STORE $ +FLAGS (\\Seen)") == "a STORE $ +FLAGS (\\Seen)");
  CHECK(parse("a UID STORE $ FLAGS.SILENT ()") == "a UID STORE $ FLAGS.SILENT ()");
  CHECK(parse("a COPY $ Trash") == "a COPY $ [Trash]");
  CHECK(parse("a UID MOVE $ Trash") == "a UID MOVE $ [Trash]");
  CHECK(parse("a UID EXPUNGE $") == "a UID EXPUNGE $");
  CHECK(parse("a SEARCH $") == "a SEARCH AND (SET $)");
  CHECK(parse("a UID SEARCH UID $ SMALLER 10") == "a UID SEARCH AND (UID $ SMALLER 10)");
  CHECK(parse("a SEARCH OR $ 1:3 NOT $") == "a SEARCH AND (OR (SET $ SET 1:3) NOT (SET $))");
  CHECK(parse("a SEARCH ($)") == "a SEARCH AND (AND (SET $))");
  ParseResult r = parse_command("a FETCH $ FLAGS", ParserLimits{});
  REQUIRE(r.command);
  const SeqSet& set = std::get<CmdFetch>(r.command->body).set;
  CHECK(set.last_result);
  CHECK(set.ranges.empty());
}

TEST_CASE("\"$\" stands alone: with numbers, twice or in a range it is BAD") {
  for (const char* bad : {"a FETCH $,1 FLAGS", "a FETCH 1,$ FLAGS", "a FETCH $:3 FLAGS", "a FETCH $$ FLAGS",
                          "a STORE $1 +FLAGS (\\Seen)", "a COPY 2:$ x", "a UID EXPUNGE $*", "a SEARCH $,2",
                          "a SEARCH UID 1:$", "a FETCH $"}) {
    CAPTURE(bad);
    CHECK(parse(bad).rfind("BAD a", 0) == 0);
  }
  // The check right after "$" names the fault (the argument's end would too, less clearly).
  CHECK(parse("a FETCH $,1 FLAGS") == "BAD a Invalid sequence set");
  CHECK(parse("a SEARCH $:4") == "BAD a Invalid sequence set");
  // QRESYNC's known UIDs are read at SELECT, where "$" is always empty: a plain set only.
  CHECK(parse("a SELECT INBOX (QRESYNC (1 2 $))").rfind("BAD a", 0) == 0);
}

TEST_CASE("RETURN (SAVE) alone asks for no ESEARCH; with MIN/MAX/ALL/COUNT it does") {
  ParseResult r = parse_command("a SEARCH RETURN (SAVE) ALL", ParserLimits{});
  REQUIRE(r.command);
  const SearchReturn& ret = *std::get<CmdSearch>(r.command->body).ret;
  CHECK((ret.save && !ret.all && !ret.min && !ret.max && !ret.count));
  CHECK_FALSE(ret.reports());
  r = parse_command("a UID SORT RETURN (save MIN) (DATE) UTF-8 $", ParserLimits{});
  REQUIRE(r.command);
  const CmdSort& sort = std::get<CmdSort>(r.command->body);
  CHECK((sort.ret->save && sort.ret->min && sort.ret->reports()));
  CHECK(sort.search.program.children.at(0).set.last_result);
  CHECK(SearchReturn{false, false, false, true, false, {}}.reports());
}

TEST_CASE("A set of saved UIDs: runs become ranges, membership by binary search") {
  std::vector<uint32_t> uids = {2, 3, 4, 7, 9, 10, 4000000000u};
  SeqSet s = SeqSet::from_ascending(uids);
  CHECK(s.to_string() == "2:4,7,9:10,4000000000");
  for (uint32_t n = 0; n < 12; ++n) {
    bool in = std::find(uids.begin(), uids.end(), n) != uids.end();
    CAPTURE(n);
    CHECK(s.contains(n, 4000000000u) == in);
  }
  CHECK(s.contains(4000000000u, 4000000000u));
  CHECK_FALSE(s.contains(4000000000u, 3999999999u));  // above the largest: not there
  SeqSet none = SeqSet::from_ascending({});
  CHECK(none.ranges.empty());
  CHECK_FALSE(none.contains(1, 10));
  CHECK(none.resolve(10).empty());
}

TEST_CASE("A pipeline using \"$\" parses the same split at every byte") {
  constexpr std::string_view kStream =
      "a1 SEARCH RETURN (SAVE) UNSEEN\r\n"
      "a2 FETCH $ (FLAGS)\r\n"
      "a3 UID STORE $ +FLAGS.SILENT (\\Seen)\r\n"
      "a4 SEARCH $,1\r\n"
      "a5 UID COPY $ {5}\r\nTrash\r\n";
  std::vector<std::string> whole = feed_all(kStream);
  REQUIRE(whole.size() == 6);
  CHECK(whole[1] == "a2 FETCH $ (FLAGS)");
  CHECK(whole[2] == "a3 UID STORE $ +FLAGS.SILENT (\\Seen)");
  CHECK(whole[3].rfind("BAD a4", 0) == 0);
  CHECK(whole[5] == "a5 UID COPY $ [Trash]");
  for (size_t cut = 1; cut < kStream.size(); ++cut) {
    Parser p(ParserLimits{});
    CAPTURE(cut);
    CHECK(feed_chunks(p, {kStream.substr(0, cut), kStream.substr(cut)}) == whole);
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < kStream.size(); ++i) bytes.push_back(kStream.substr(i, 1));
  Parser p(ParserLimits{});
  CHECK(feed_chunks(p, bytes) == whole);
}

}  // namespace protocol_imap_searchres_test

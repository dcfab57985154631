// SEARCH program parsing (RFC 3501 §6.4.4): every key, nesting, CHARSET,
// strings and literals, errors and limits.
#include <doctest/doctest.h>

#include "imap_test_util.h"
#include "protocol/imap/search_parse.h"

namespace protocol_imap_search_parse_test {

using loft::proto::imap::CmdSearch;
using loft::proto::imap::kMaxSearchDepth;
using loft::proto::imap::kMaxSearchKeys;
using loft::proto::imap::parse_search_date;
using loft::proto::imap::search_charset_supported;
using loft::proto::imap::test::parse;

TEST_CASE("every flag key of RFC 3501 §6.4.4 parses, in any case") {
  CHECK(parse("a SEARCH ALL") == "a SEARCH AND (ALL)");
  CHECK(parse("a search answered deleted draft flagged") == "a SEARCH AND (ANSWERED DELETED DRAFT FLAGGED)");
  CHECK(parse("a SEARCH NEW OLD RECENT SEEN") == "a SEARCH AND (NEW OLD RECENT SEEN)");
  CHECK(parse("a SEARCH UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN") ==
        "a SEARCH AND (UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNSEEN)");
  CHECK(parse("a SEARCH KEYWORD $Junk UNKEYWORD work") == "a SEARCH AND (KEYWORD [$Junk] UNKEYWORD [work])");
}

TEST_CASE("string keys take atoms, quoted strings and literals") {
  CHECK(parse("a SEARCH FROM alice TO \"bob smith\" CC {3}\r\ncar BCC dan") ==
        "a SEARCH AND (FROM [alice] TO [bob smith] CC [car] BCC [dan])");
  CHECK(parse("a SEARCH SUBJECT \"\" BODY x TEXT {4+}\r\na b)") == "a SEARCH AND (SUBJECT [] BODY [x] TEXT [a b)])");
  CHECK(parse("a SEARCH HEADER Message-ID \"<1@x>\"") == "a SEARCH AND (HEADER [Message-ID] [<1@x>])");
  CHECK(parse("a SEARCH HEADER X-Spam \"\"") == "a SEARCH AND (HEADER [X-Spam] [])");
  CHECK(parse("a SEARCH SUBJECT \"caf\xc3\xa9\"") == "a SEARCH AND (SUBJECT [caf\xc3\xa9])");
}

TEST_CASE("date keys take date-text, quoted or not, as a day number") {
  CHECK(parse("a SEARCH SINCE 1-Jan-1970") == "a SEARCH AND (SINCE 0)");
  CHECK(parse("a SEARCH BEFORE \"02-jan-1970\" ON 1-FEB-1970") == "a SEARCH AND (BEFORE 1 ON 31)");
  CHECK(parse("a SEARCH SENTBEFORE 1-Jan-2000 SENTON 29-Feb-2000 SENTSINCE 31-Dec-1969") ==
        "a SEARCH AND (SENTBEFORE 10957 SENTON 11016 SENTSINCE -1)");
  CHECK(parse("a SEARCH SINCE 29-Feb-2001") == "BAD a Invalid search date");
  CHECK(parse("a SEARCH SINCE 1-Foo-2001") == "BAD a Invalid search date");
  CHECK(parse("a SEARCH SINCE 001-Jan-2001") == "BAD a Invalid search date");
  CHECK(parse("a SEARCH SINCE 1-Jan-01") == "BAD a Invalid search date");
  CHECK(parse("a SEARCH SINCE 2001-01-01") == "BAD a Invalid search date");
  int32_t d = 0;
  CHECK(parse_search_date("17-Jul-1996", &d));
  CHECK(d == 9694);
  CHECK_FALSE(parse_search_date("32-Jan-1996", &d));
  CHECK_FALSE(parse_search_date("0-Jan-1996", &d));
}

TEST_CASE("sizes, UID and sequence sets") {
  CHECK(parse("a SEARCH LARGER 100 SMALLER 0") == "a SEARCH AND (LARGER 100 SMALLER 0)");
  CHECK(parse("a SEARCH 1:3,5,7:* UID 2:*") == "a SEARCH AND (SET 1:3,5,7:* UID 2:*)");
  CHECK(parse("a SEARCH * UID *") == "a SEARCH AND (SET * UID *)");
  CHECK(parse("a UID SEARCH 1") == "a UID SEARCH AND (SET 1)");
  CHECK(parse("a SEARCH 0") == "BAD a Invalid sequence set");
  CHECK(parse("a SEARCH 1:") == "BAD a Invalid sequence set");
  CHECK(parse("a SEARCH LARGER x") == "BAD a Expected a number");
  CHECK(parse("a SEARCH LARGER -1") == "BAD a Expected a number");
}

TEST_CASE("NOT, OR and parenthesised lists nest; adjacent keys are ANDed") {
  CHECK(parse("a SEARCH NOT SEEN") == "a SEARCH AND (NOT (SEEN))");
  CHECK(parse("a SEARCH OR SEEN FLAGGED") == "a SEARCH AND (OR (SEEN FLAGGED))");
  CHECK(parse("a SEARCH OR (SEEN FROM x) NOT (DELETED) UID 1") ==
        "a SEARCH AND (OR (AND (SEEN FROM [x]) NOT (AND (DELETED))) UID 1)");
  CHECK(parse("a SEARCH (OR OR 1 2 3)") == "a SEARCH AND (AND (OR (OR (SET 1 SET 2) SET 3)))");
  CHECK(parse("a SEARCH NOT NOT ALL") == "a SEARCH AND (NOT (NOT (ALL)))");
}

TEST_CASE("CHARSET comes first and is kept as sent") {
  CHECK(parse("a SEARCH CHARSET UTF-8 ALL") == "a SEARCH CHARSET [UTF-8] AND (ALL)");
  CHECK(parse("a UID SEARCH charset \"us-ascii\" SEEN") == "a UID SEARCH CHARSET [us-ascii] AND (SEEN)");
  CHECK(parse("a SEARCH CHARSET KOI8-R TEXT x") == "a SEARCH CHARSET [KOI8-R] AND (TEXT [x])");
  CHECK(parse("a SEARCH CHARSET UTF-8") == "BAD a Missing argument");
  CHECK(parse("a SEARCH ALL CHARSET UTF-8") == "BAD a Unknown search key");
  CHECK(parse("a SEARCH CC x") == "a SEARCH AND (CC [x])");  // starts with C, not CHARSET
  CHECK(search_charset_supported("utf-8"));
  CHECK(search_charset_supported("US-ASCII"));
  CHECK_FALSE(search_charset_supported("ISO-8859-1"));
}

TEST_CASE("syntax errors are answered BAD with a reason") {
  CHECK(parse("a SEARCH") == "BAD a Missing argument");
  CHECK(parse("a SEARCH ") == "BAD a Missing argument");
  CHECK(parse("a SEARCH FOO") == "BAD a Unknown search key");
  CHECK(parse("a SEARCH FROM") == "BAD a Missing argument");
  CHECK(parse("a SEARCH OR SEEN") == "BAD a Missing argument");
  CHECK(parse("a SEARCH NOT") == "BAD a Missing argument");
  CHECK(parse("a SEARCH ()") == "BAD a Invalid atom");
  CHECK(parse("a SEARCH (SEEN") == "BAD a Missing argument");
  CHECK(parse("a SEARCH SEEN)") == "BAD a Unexpected extra arguments");
  CHECK(parse("a SEARCH SEEN  FLAGGED") == "BAD a Invalid atom");
  CHECK(parse("a SEARCH HEADER Subject") == "BAD a Missing argument");
  CHECK(parse("a SEARCH KEYWORD \\Seen") == "BAD a Invalid atom");
  CHECK(parse("a UID SEARCH") == "BAD a Missing argument");
}

TEST_CASE("program size and nesting depth are bounded") {
  std::string deep = "a SEARCH ";
  for (size_t i = 0; i < kMaxSearchDepth; ++i) deep += "NOT ";
  CHECK(parse(deep + "ALL").rfind("a SEARCH AND (NOT", 0) == 0);
  CHECK(parse(deep + "NOT ALL") == "BAD a Search program too deeply nested");
  // OR nests on its right operand just as deep
  std::string ors = "a SEARCH ";
  for (size_t i = 0; i <= kMaxSearchDepth; ++i) ors += "OR SEEN ";
  CHECK(parse(ors + "ALL") == "BAD a Search program too deeply nested");
  // parentheses hit the parser's own nesting bound first
  CHECK(parse("a SEARCH " + std::string(40, '(') + "ALL" + std::string(40, ')')) == "BAD a Too deeply nested");
  std::string wide = "a SEARCH";
  for (size_t i = 0; i < kMaxSearchKeys; ++i) wide += " SEEN";
  CHECK(parse(wide).rfind("a SEARCH AND (SEEN", 0) == 0);
  CHECK(parse(wide + " SEEN") == "BAD a Search program too large");
  std::string ranges = "a SEARCH 1";
  for (int i = 0; i < 10000; ++i) ranges += ",1";
  CHECK(parse(ranges) == "BAD a Invalid sequence set");
}

}  // namespace protocol_imap_search_parse_test

// RFC 7162: the CONDSTORE/QRESYNC parameters of SELECT, FETCH, STORE and
// SEARCH, and the responses VANISHED, MODIFIED and SEARCH (MODSEQ).
#include <doctest/doctest.h>

#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"

namespace protocol_imap_condstore_test {

namespace imap = loft::proto::imap;
using loft::proto::imap::test::parse;

TEST_CASE("SELECT and EXAMINE take CONDSTORE and QRESYNC parameters") {
  CHECK(parse("a SELECT INBOX (CONDSTORE)") == "a SELECT [INBOX] CONDSTORE");
  CHECK(parse("a EXAMINE x (qresync (67890007 20050715194045000))") == "a EXAMINE [x] QRESYNC 67890007 20050715194045000");
  CHECK(parse("a SELECT x (QRESYNC (1 5 41,43:211,214:541))") == "a SELECT [x] QRESYNC 1 5 known=41,43:211,214:541");
  CHECK(parse("a SELECT x (QRESYNC (1 5 1:9 (1:3 2,4,6)) CONDSTORE)") ==
        "a SELECT [x] CONDSTORE QRESYNC 1 5 known=1:9 match=1:3/2,4,6");
  CHECK(parse("a SELECT x (QRESYNC (1 5 (1:3 2,4,6)))") == "a SELECT [x] QRESYNC 1 5 match=1:3/2,4,6");
  CHECK(parse("a SELECT x (QRESYNC (0 5))").starts_with("BAD a"));   // uidvalidity is nz-number
  CHECK(parse("a SELECT x (QRESYNC (1 0))").starts_with("BAD a"));   // mod-sequence-value is non-zero
  CHECK(parse("a SELECT x (QRESYNC (1 9223372036854775808))").starts_with("BAD a"));  // above 2^63-1
  CHECK(parse("a SELECT x (QRESYNC (1 5 (1:3)))").starts_with("BAD a"));
  CHECK(parse("a SELECT x (CONDSTORE CONDSTORE)").starts_with("BAD a"));
  CHECK(parse("a SELECT x (FOO)").starts_with("BAD a"));
  CHECK(parse("a SELECT x ()").starts_with("BAD a"));
  CHECK(parse("a SELECT x y") == "BAD a Unexpected extra arguments");
}

TEST_CASE("FETCH takes MODSEQ and the CHANGEDSINCE and VANISHED modifiers") {
  CHECK(parse("a FETCH 1:* (FLAGS MODSEQ)") == "a FETCH 1:* (FLAGS MODSEQ)");
  CHECK(parse("a FETCH 1 modseq") == "a FETCH 1 (MODSEQ)");
  CHECK(parse("a FETCH 1:* (FLAGS) (CHANGEDSINCE 12345)") == "a FETCH 1:* (FLAGS) CHANGEDSINCE 12345");
  CHECK(parse("a FETCH 1:* FLAGS (changedsince 0)") == "a FETCH 1:* (FLAGS) CHANGEDSINCE 0");
  CHECK(parse("a UID FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED)") == "a UID FETCH 1:* (FLAGS) CHANGEDSINCE 7 VANISHED");
  CHECK(parse("a UID FETCH 1:* FLAGS (VANISHED CHANGEDSINCE 7)") == "a UID FETCH 1:* (FLAGS) CHANGEDSINCE 7 VANISHED");
  CHECK(parse("a FETCH 1:* FLAGS (CHANGEDSINCE 7 VANISHED)").starts_with("BAD a"));  // UID FETCH only
  CHECK(parse("a UID FETCH 1:* FLAGS (VANISHED)").starts_with("BAD a"));             // needs CHANGEDSINCE
  CHECK(parse("a FETCH 1 FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)").starts_with("BAD a"));
  CHECK(parse("a FETCH 1 FLAGS (CHANGEDSINCE)").starts_with("BAD a"));
  CHECK(parse("a FETCH 1 FLAGS (XYZ)").starts_with("BAD a"));
  CHECK(parse("a FETCH 1 FLAGS extra") == "BAD a Unexpected extra arguments");
}

TEST_CASE("STORE takes UNCHANGEDSINCE before the data item") {
  CHECK(parse("a STORE 1:3 (UNCHANGEDSINCE 12) +FLAGS (\\Seen)") ==
        "a STORE 1:3 UNCHANGEDSINCE 12 +FLAGS (\\Seen)");
  CHECK(parse("a UID STORE 5 (unchangedsince 0) FLAGS.SILENT (x)") ==
        "a UID STORE 5 UNCHANGEDSINCE 0 FLAGS.SILENT (x)");
  CHECK(parse("a STORE 1 (UNCHANGEDSINCE) +FLAGS (\\Seen)").starts_with("BAD a"));
  CHECK(parse("a STORE 1 (CHANGEDSINCE 1) +FLAGS (\\Seen)").starts_with("BAD a"));
  CHECK(parse("a STORE 1 (UNCHANGEDSINCE 1)+FLAGS (\\Seen)").starts_with("BAD a"));
}

TEST_CASE("SEARCH MODSEQ with and without an entry name") {
  CHECK(parse("a SEARCH MODSEQ 620162338") == "a SEARCH AND (MODSEQ 620162338)");
  CHECK(parse("a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338 UNSEEN") ==
        "a SEARCH AND (MODSEQ 620162338 UNSEEN)");
  CHECK(parse("a SEARCH OR MODSEQ 5 SEEN") == "a SEARCH AND (OR (MODSEQ 5 SEEN))");
  CHECK(parse("a SEARCH MODSEQ \"/flags/x\" nobody 1").starts_with("BAD a"));
  CHECK(parse("a SEARCH MODSEQ \"/other/x\" all 1").starts_with("BAD a"));
  CHECK(parse("a SEARCH MODSEQ").starts_with("BAD a"));
}

TEST_CASE("search_uses_modseq finds a MODSEQ key at any depth") {
  imap::SearchKey program;
  program.kind = imap::SearchKey::Kind::all_of;
  program.children.resize(1);
  program.children[0].kind = imap::SearchKey::Kind::not_;
  program.children[0].children.resize(1);
  CHECK_FALSE(imap::search_uses_modseq(program));
  program.children[0].children[0].kind = imap::SearchKey::Kind::modseq;
  CHECK(imap::search_uses_modseq(program));
}

TEST_CASE("VANISHED, MODIFIED and SEARCH (MODSEQ) responses") {
  std::string out;
  std::vector<uint32_t> uids = {1, 2, 3, 5, 8, 9};
  imap::VanishedResponse{true, uids}.serialize(&out);
  CHECK(out == "* VANISHED (EARLIER) 1:3,5,8:9\r\n");
  out.clear();
  imap::VanishedResponse{false, std::vector<uint32_t>{42}}.serialize(&out);
  CHECK(out == "* VANISHED 42\r\n");
  out.clear();
  imap::VanishedResponse{false, {}}.serialize(&out);
  CHECK(out.empty());  // an empty uid-set is no valid VANISHED
  CHECK(imap::modified_code_arg(std::vector<uint32_t>{7, 9, 10}) == "7,9:10");
  out.clear();
  imap::append_search_modseq_response(&out, std::vector<uint32_t>{2, 5}, 917162500);
  CHECK(out == "* SEARCH 2 5 (MODSEQ 917162500)\r\n");
  out.clear();
  imap::append_search_modseq_response(&out, {}, 9);
  CHECK(out == "* SEARCH\r\n");
  out.clear();
  imap::ModseqFetchResponse{4, 12u, 88}.serialize(&out);
  CHECK(out == "* 4 FETCH (UID 12 MODSEQ (88))\r\n");
}

TEST_CASE("ENABLE knows CONDSTORE and QRESYNC") {
  CHECK(imap::enable_bit("CONDSTORE") == imap::kEnableCondstore);
  CHECK(imap::enable_bit("QRESYNC") == imap::kEnableQresync);
  CHECK(imap::enable_bit("X-UNKNOWN") == 0);
}

}  // namespace protocol_imap_condstore_test

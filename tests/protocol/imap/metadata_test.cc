// RFC 5464 METADATA: GETMETADATA options and entries, SETMETADATA values,
// the entry-name rules of §3.2, the METADATA response and response codes;
// parsed whole and fed one byte at a time.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/metadata.h"

namespace protocol_imap_metadata_test {

namespace pi = loft::proto::imap;
using loft::proto::imap::test::feed_chunks;
using loft::proto::imap::test::parse;

TEST_CASE("GETMETADATA: one entry or a list, options before or after the mailbox") {
  CHECK(parse("a GETMETADATA \"\" /shared/comment") == "a GETMETADATA [] DEPTH 0 /shared/comment");
  CHECK(parse("a getmetadata INBOX (/private/comment \"/shared/Comment\")") ==
        "a GETMETADATA [INBOX] DEPTH 0 /private/comment /shared/comment");
  CHECK(parse("a GETMETADATA (MAXSIZE 1024) \"\" /shared") == "a GETMETADATA [] DEPTH 0 MAXSIZE 1024 /shared");
  CHECK(parse("a GETMETADATA (DEPTH 1 MAXSIZE 5) INBOX /private") ==
        "a GETMETADATA [INBOX] DEPTH 1 MAXSIZE 5 /private");
  CHECK(parse("a GETMETADATA (depth Infinity) INBOX /private") == "a GETMETADATA [INBOX] DEPTH infinity /private");
  CHECK(parse("a GETMETADATA INBOX (DEPTH 1) (/private /shared)") ==
        "a GETMETADATA [INBOX] DEPTH 1 /private /shared");
  CHECK(parse("a GETMETADATA {5}\r\nINBOX {15}\r\n/shared/comment") == "a GETMETADATA [INBOX] DEPTH 0 /shared/comment");
  // A name asked twice is answered once.
  CHECK(parse("a GETMETADATA \"\" (/shared/x /SHARED/X)") == "a GETMETADATA [] DEPTH 0 /shared/x");
}

TEST_CASE("GETMETADATA: bad options and entries are BAD") {
  CHECK(parse("a GETMETADATA (DEPTH 2) \"\" /shared").rfind("BAD a DEPTH must be", 0) == 0);
  CHECK(parse("a GETMETADATA (DEPTH 1 DEPTH 0) \"\" /shared") == "BAD a DEPTH given twice");
  CHECK(parse("a GETMETADATA (MAXSIZE 1 MAXSIZE 2) \"\" /shared") == "BAD a MAXSIZE given twice");
  CHECK(parse("a GETMETADATA (MAXSIZE -1) \"\" /shared").rfind("BAD a", 0) == 0);
  CHECK(parse("a GETMETADATA (FOO 1) \"\" /shared") == "BAD a Unknown GETMETADATA option");
  CHECK(parse("a GETMETADATA \"\"").rfind("BAD a", 0) == 0);
  CHECK(parse("a GETMETADATA \"\" ()").rfind("BAD a", 0) == 0);
  CHECK(parse("a GETMETADATA INBOX (DEPTH 1)").rfind("BAD a", 0) == 0);
  // "*" and "%" quoted: unquoted, the atom syntax alone would stop at them.
  for (const char* bad : {"/other", "comment", "/privatex", "/shared/", "/shared//x", "\"/shared/*\"", "\"/shared/a%\"",
                          "\"\"", "/"})
    CHECK_MESSAGE(parse(std::string("a GETMETADATA \"\" ") + bad) == "BAD a Invalid metadata entry name", bad);
  CHECK(parse("a GETMETADATA \"\" \"/shared/\xff\"") == "BAD a Invalid metadata entry name");
}

TEST_CASE("SETMETADATA: string, literal and NIL values; entries must name something below the scope") {
  CHECK(parse("a SETMETADATA INBOX (/private/comment \"My comment\")") ==
        "a SETMETADATA [INBOX] /private/comment=[My comment]");
  CHECK(parse("a SETMETADATA \"\" (/shared/Comment NIL /private/vendor/x {4}\r\na\r\nb)") ==
        "a SETMETADATA [] /shared/comment=NIL /private/vendor/x=[a\r\nb]");
  CHECK(parse("a SETMETADATA INBOX (/private/x \"\")") == "a SETMETADATA [INBOX] /private/x=[]");
  CHECK(parse("a SETMETADATA INBOX (/private \"x\")") == "BAD a Invalid metadata entry name");
  CHECK(parse("a SETMETADATA INBOX (/shared \"x\")") == "BAD a Invalid metadata entry name");
  CHECK(parse("a SETMETADATA INBOX (/x/y \"x\")") == "BAD a Invalid metadata entry name");
  CHECK(parse("a SETMETADATA INBOX (/private/x)").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETMETADATA INBOX ()").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETMETADATA INBOX /private/x \"v\"").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETMETADATA INBOX (/private/x atom)").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETMETADATA INBOX (/private/x ~{1}\r\nv)").rfind("BAD a", 0) == 0);  // literal8: not offered
}

TEST_CASE("entry names: RFC 5464 §3.2") {
  CHECK(pi::valid_metadata_entry("/private", false));
  CHECK(!pi::valid_metadata_entry("/private", true));
  CHECK(pi::valid_metadata_entry("/Shared/Vendor/loft/x", true));
  CHECK(pi::valid_metadata_entry("/shared/caf\xc3\xa9", true));
  CHECK(!pi::valid_metadata_entry(std::string_view("/shared/a\0b", 11), true));
  CHECK(!pi::valid_metadata_entry("/shared/a/", true));
  CHECK(!pi::valid_metadata_entry("/sharedx/a", true));
  CHECK(pi::is_private_entry("/PRIVATE/x"));
  CHECK(!pi::is_private_entry("/shared/x"));
}

TEST_CASE("GETMETADATA and SETMETADATA fed one byte at a time parse as whole") {
  const std::string input =
      "a GETMETADATA (DEPTH infinity MAXSIZE 9) \"\" (/shared /private)\r\n"
      "b SETMETADATA Work (/private/comment {4}\r\nab\r\n /shared/x NIL)\r\n";
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < input.size(); ++i) bytes.push_back(std::string_view(input).substr(i, 1));
  pi::Parser p;
  CHECK(feed_chunks(p, bytes) == std::vector<std::string>{
                                     "a GETMETADATA [] DEPTH infinity MAXSIZE 9 /shared /private", "+4",
                                     "b SETMETADATA [Work] /private/comment=[ab\r\n] /shared/x=NIL"});
}

TEST_CASE("METADATA response and response codes") {
  std::string out;
  std::vector<std::pair<std::string, std::optional<std::string>>> e = {
      {"/shared/comment", "Shared comment"}, {"/private/comment", std::nullopt}, {"/private/x", "a\r\nb"}};
  pi::MetadataResponse{"", e}.serialize(&out);
  CHECK(out == "* METADATA \"\" (/shared/comment \"Shared comment\" /private/comment NIL /private/x {4}\r\na\r\nb)\r\n");
  out.clear();
  pi::MetadataResponse{"Café", std::span(e).first(1)}.serialize(&out);
  CHECK(out == "* METADATA Caf&AOk- (/shared/comment \"Shared comment\")\r\n");
  out.clear();
  pi::StatusResponse{"a", pi::Status::ok, pi::metadata_longentries(2048), "done"}.serialize(&out);
  CHECK(out == "a OK [METADATA LONGENTRIES 2048] done\r\n");
  out.clear();
  pi::StatusResponse{"a", pi::Status::no, pi::metadata_maxsize(1024), "too big"}.serialize(&out);
  CHECK(out == "a NO [METADATA MAXSIZE 1024] too big\r\n");
  out.clear();
  pi::StatusResponse{"a", pi::Status::no, pi::metadata_toomany(), "x"}.serialize(&out);
  CHECK(out == "a NO [METADATA TOOMANY] x\r\n");
  out.clear();
  pi::StatusResponse{"a", pi::Status::no, pi::metadata_noprivate(), "x"}.serialize(&out);
  CHECK(out == "a NO [METADATA NOPRIVATE] x\r\n");
}

}  // namespace protocol_imap_metadata_test

// FETCH data items (RFC 3501 §6.4.5): names, macros, sections and partials.
#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_fetch_items_test {

using loft::proto::imap::CmdFetch;
using loft::proto::imap::FetchAtt;
using loft::proto::imap::ParserLimits;
using loft::proto::imap::parse_command;
using loft::proto::imap::test::parse;
constexpr auto items = loft::proto::imap::test::fetch_items;

TEST_CASE("every simple FETCH item parses, case-insensitively") {
  CHECK(items("FLAGS") == "FLAGS");
  CHECK(items("uid") == "UID");
  CHECK(items("InternalDate") == "INTERNALDATE");
  CHECK(items("RFC822.SIZE") == "RFC822.SIZE");
  CHECK(items("ENVELOPE") == "ENVELOPE");
  CHECK(items("BODYSTRUCTURE") == "BODYSTRUCTURE");
  CHECK(items("BODY") == "BODY");
  CHECK(items("RFC822") == "RFC822");
  CHECK(items("rfc822.header") == "RFC822.HEADER");
  CHECK(items("RFC822.TEXT") == "RFC822.TEXT");
}

TEST_CASE("the ALL, FAST and FULL macros expand to their items") {
  CHECK(items("ALL") == "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE");
  CHECK(items("fast") == "FLAGS INTERNALDATE RFC822.SIZE");
  CHECK(items("Full") == "FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY");
}

TEST_CASE("macros are not allowed inside a list") {
  CHECK(items("(ALL)") == "BAD t Invalid FETCH item");
  CHECK(items("(FLAGS FAST)") == "BAD t Invalid FETCH item");
  CHECK(items("ALL[]") == "BAD t Invalid FETCH item");
}

TEST_CASE("a parenthesised list holds one or more items separated by single spaces") {
  CHECK(items("(FLAGS)") == "FLAGS");
  CHECK(items("(UID RFC822.SIZE FLAGS BODY.PEEK[HEADER])") == "UID RFC822.SIZE FLAGS BODY.PEEK[HEADER]");
  CHECK(items("()") == "BAD t Invalid FETCH item");
  CHECK(items("(FLAGS  UID)") == "BAD t Invalid FETCH item");
  CHECK(items("(FLAGS UID") == "BAD t Missing argument");
  CHECK(items("(FLAGS UID))") == "BAD t Unexpected extra arguments");
  CHECK(items("FLAGS UID") == "BAD t Unexpected extra arguments");
  CHECK(items("(FLAGS (UID))") == "BAD t Invalid FETCH item");
}

TEST_CASE("BODY sections cover parts, HEADER, HEADER.FIELDS, TEXT and MIME") {
  CHECK(items("BODY[]") == "BODY[]");
  CHECK(items("BODY.PEEK[]") == "BODY.PEEK[]");
  CHECK(items("BODY[HEADER]") == "BODY[HEADER]");
  CHECK(items("body[text]") == "BODY[TEXT]");
  CHECK(items("BODY[1]") == "BODY[1]");
  CHECK(items("BODY[1.2.3]") == "BODY[1.2.3]");
  CHECK(items("BODY[1.2.MIME]") == "BODY[1.2.MIME]");
  CHECK(items("BODY[3.HEADER]") == "BODY[3.HEADER]");
  CHECK(items("BODY[3.TEXT]") == "BODY[3.TEXT]");
  CHECK(items("BODY.PEEK[HEADER.FIELDS (From To Subject)]") == "BODY.PEEK[HEADER.FIELDS (From To Subject)]");
  CHECK(items("BODY[2.HEADER.FIELDS.NOT (\"X-Spam\" {4}\r\nDate)]") == "BODY[2.HEADER.FIELDS.NOT (X-Spam Date)]");
  CHECK(items("BODY[4294967295]") == "BODY[4294967295]");
}

TEST_CASE("malformed BODY sections are rejected") {
  for (const char* bad : {"BODY[MIME]", "BODY[0]", "BODY[01]", "BODY[1.]", "BODY[1..2]", "BODY[.1]",
                          "BODY[HEADERS]", "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]",
                          "BODY[HEADER.FIELDS (A]", "BODY[HEADER (A)]", "BODY[TEXT", "BODY[1 ]",
                          "BODY[4294967296]", "BODY.PEEK", "BODY.PEEK[1.2.3.MIME.TEXT]", "BODYX[]",
                          "RFC822[]", "BODY[ HEADER]"}) {
    CAPTURE(bad);
    CHECK(items(bad).rfind("BAD t ", 0) == 0);
  }
}

TEST_CASE("partials take an offset and a non-zero length") {
  CHECK(items("BODY[]<0.2048>") == "BODY[]<0.2048>");
  CHECK(items("BODY.PEEK[1.TEXT]<100.5>") == "BODY.PEEK[1.TEXT]<100.5>");
  CHECK(items("(BODY[]<4294967295.4294967295> UID)") == "BODY[]<4294967295.4294967295> UID");
  for (const char* bad : {"BODY[]<0>", "BODY[]<0.0>", "BODY[]<.5>", "BODY[]<1.2", "BODY[]<a.b>",
                          "BODY[]<4294967296.1>", "BODY[]<1.4294967296>", "BODY<0.5>", "BODY[]<1.2>x"}) {
    CAPTURE(bad);
    CHECK(items(bad).rfind("BAD t ", 0) == 0);
  }
}

TEST_CASE("section fields land in the FetchAtt struct") {
  auto r = parse_command("t UID FETCH 1:* (BODY.PEEK[1.2.HEADER.FIELDS (a b)]<10.20>)", ParserLimits{});
  REQUIRE(r.command);
  const auto& f = std::get<CmdFetch>(r.command->body);
  CHECK(f.uid);
  REQUIRE(f.items.size() == 1);
  const FetchAtt& a = f.items[0];
  CHECK(a.kind == FetchAtt::Kind::section);
  CHECK(a.peek);
  CHECK(a.part == std::vector<uint32_t>{1, 2});
  CHECK(a.text == FetchAtt::Text::header_fields);
  CHECK(a.header_fields == std::vector<std::string>{"a", "b"});
  REQUIRE(a.partial_offset);
  CHECK(*a.partial_offset == 10);
  CHECK(a.partial_length == 20);
}

}  // namespace protocol_imap_fetch_items_test

#include <doctest/doctest.h>

#include "server/imap/fetch_response.h"

namespace server_fetch_response_test {

using namespace loft;
using namespace loft::server::imap;
using Kind = proto::imap::FetchAtt::Kind;
using Text = proto::imap::FetchAtt::Text;

namespace {
proto::imap::FetchAtt item(Kind k) {
  proto::imap::FetchAtt a;
  a.kind = k;
  return a;
}
proto::imap::FetchAtt section(Text t, bool peek, std::optional<uint64_t> off = {}, uint64_t len = 0) {
  proto::imap::FetchAtt a;
  a.kind = Kind::section;
  a.text = t;
  a.peek = peek;
  a.partial_offset = off;
  a.partial_length = len;
  return a;
}
storage::MessageMeta meta() {
  storage::MessageMeta m;
  m.uid = 42;
  m.flags = storage::kSeen | storage::kFlagged;
  m.internal_date = 837570265;  // 17-Jul-1996 02:24:25 UTC
  m.size = 1000;
  m.header_size = 100;
  m.blob = 7;
  return m;
}
// Joins segments, writing body ranges as <blob:offset+length>.
std::string render(const std::deque<Segment>& segs) {
  std::string s;
  for (const auto& g : segs) {
    if (g.blob == 0) s += g.text;
    else s += "<" + std::to_string(g.blob) + ":" + std::to_string(g.offset) + "+" + std::to_string(g.length) + ">";
  }
  return s;
}
const HeaderReader kNoHeader = [](const storage::MessageMeta&, uint64_t, uint64_t) -> Result<std::string> {
  return std::string();
};
}  // namespace

TEST_CASE("a FETCH response lists metadata items in the order asked") {
  auto r = build_fetch_response(3, meta(), {item(Kind::flags), item(Kind::rfc822_size), item(Kind::internaldate)}, false,
                                false, kNoHeader);
  REQUIRE(r.ok());
  CHECK(render(*r) ==
        "* 3 FETCH (FLAGS (\\Seen \\Flagged) RFC822.SIZE 1000 INTERNALDATE \"17-Jul-1996 02:24:25 +0000\")\r\n");
}

TEST_CASE("UID FETCH adds UID and a freshly set \\Seen adds FLAGS") {
  auto r = build_fetch_response(1, meta(), {item(Kind::rfc822_size)}, true, true, kNoHeader);
  REQUIRE(r.ok());
  CHECK(render(*r) == "* 1 FETCH (UID 42 FLAGS (\\Seen \\Flagged) RFC822.SIZE 1000)\r\n");
}

TEST_CASE("body sections become literals over byte ranges of the stored body") {
  auto r = build_fetch_response(1, meta(),
                                {section(Text::all, true), section(Text::header, true), section(Text::text, false),
                                 section(Text::all, true, 990, 100), section(Text::all, true, 5000, 10)},
                                false, false, kNoHeader);
  REQUIRE(r.ok());
  CHECK(render(*r) ==
        "* 1 FETCH (BODY[] {1000}\r\n<7:0+1000> BODY[HEADER] {100}\r\n<7:0+100> BODY[TEXT] {900}\r\n<7:100+900>"
        " BODY[]<990> {10}\r\n<7:990+10> BODY[]<5000> {0}\r\n)\r\n");
}

TEST_CASE("RFC822 items are whole message, header and text") {
  auto r = build_fetch_response(2, meta(), {item(Kind::rfc822), item(Kind::rfc822_header), item(Kind::rfc822_text)}, false,
                                false, kNoHeader);
  REQUIRE(r.ok());
  CHECK(render(*r) ==
        "* 2 FETCH (RFC822 {1000}\r\n<7:0+1000> RFC822.HEADER {100}\r\n<7:0+100> RFC822.TEXT {900}\r\n<7:100+900>)\r\n");
}

TEST_CASE("HEADER.FIELDS keeps folded lines and matches names without case") {
  std::string header = "Subject: hello\r\n  world\r\nFrom: a@b\r\nX-Other: 1\r\nsubject: again\r\n\r\n";
  CHECK(filter_header_fields(header, {"SUBJECT"}, false) == "Subject: hello\r\n  world\r\nsubject: again\r\n\r\n");
  CHECK(filter_header_fields(header, {"subject", "x-other"}, true) == "From: a@b\r\n\r\n");
  CHECK(filter_header_fields(header, {"To"}, false) == "\r\n");
  CHECK(filter_header_fields("No-Colon line\nA: b\n\n", {"a"}, false) == "A: b\n\r\n");
  // A malformed line matches no name: kept by .NOT, with its continuation.
  CHECK(filter_header_fields("A: b\r\n-----\r\n  more\r\nC: d\r\n\r\n", {"c"}, true) == "A: b\r\n-----\r\n  more\r\n\r\n");
}

TEST_CASE("structure items and part sections ask for the message structure") {
  CHECK(check_fetch_items({item(Kind::envelope)})->structure);
  CHECK(check_fetch_items({item(Kind::body_structure)})->structure);
  CHECK_FALSE(check_fetch_items({section(Text::header, true)})->structure);
  auto part = section(Text::all, true);
  part.part = {1};
  CHECK(check_fetch_items({part})->structure);
  auto ok = check_fetch_items({item(Kind::uid), section(Text::all, false)});
  REQUIRE(ok.ok());
  CHECK(ok->sets_seen);
  CHECK_FALSE(check_fetch_items({section(Text::all, true)})->sets_seen);
}

}  // namespace server_fetch_response_test

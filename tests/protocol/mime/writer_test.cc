// ENVELOPE / BODYSTRUCTURE writing details (RFC 3501 §7.4.2, §9) and the byte
// ranges of BODY[section] (§6.4.5).
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/body_structure.h"
#include "protocol/imap/fetch_section.h"
#include "protocol/mime/address.h"
#include "protocol/mime/parser.h"

namespace protocol_mime_writer_test {

namespace mime = loft::proto::mime;
namespace imap = loft::proto::imap;

namespace {

std::string envelope(const std::string& header) {
  auto s = mime::parse(header + "\r\n\r\nbody\r\n");
  std::string out;
  imap::append_envelope(&out, s.parts[0].envelope);
  return out;
}

std::string humans(std::string_view s) {
  std::string out;
  imap::append_for_humans(&out, s);
  return out;
}

std::string section(const mime::Structure& s, const std::string& msg, std::vector<uint32_t> part,
                    imap::FetchAtt::Text text) {
  imap::FetchAtt att;
  att.kind = imap::FetchAtt::Kind::section;
  att.part = std::move(part);
  att.text = text;
  auto r = imap::section_range(s, att);
  if (!r) return "(none)";
  return msg.substr(r->begin, r->end - r->begin);
}

}  // namespace

TEST_CASE("ENVELOPE: sender and reply-to default to from, absent fields are NIL") {
  CHECK(envelope("From: A <a@example.com>\r\nSubject: hi") ==
        "(NIL \"hi\" ((\"A\" NIL \"a\" \"example.com\")) ((\"A\" NIL \"a\" \"example.com\")) "
        "((\"A\" NIL \"a\" \"example.com\")) NIL NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: groups are a start and an end marker (RFC 3501 §7.4.2)") {
  CHECK(envelope("To: friends: a@b, \"C D\" <c@d>;, e@f") ==
        "(NIL NIL NIL NIL NIL ((NIL NIL \"friends\" NIL)(NIL NIL \"a\" \"b\")(\"C D\" NIL \"c\" \"d\")"
        "(NIL NIL NIL NIL)(NIL NIL \"e\" \"f\")) NIL NIL NIL NIL)");
}

TEST_CASE("ENVELOPE: encoded words stay as sent, 8-bit names go as literals, broken addresses are repaired") {
  auto list = mime::parse_address_list("=?utf-8?q?J=C3=B6rg?= <j@x>");
  REQUIRE(list.size() == 1);
  CHECK(*list[0].name == "=?utf-8?q?J=C3=B6rg?=");
  CHECK(humans("J\xc3\xb6rg") == "{5}\r\nJ\xc3\xb6rg");
  auto bare = mime::parse_address_list("Just A Name");
  REQUIRE(bare.size() == 1);
  CHECK(*bare[0].name == "Just A Name");
  CHECK(*bare[0].mailbox == "MISSING_MAILBOX");
  CHECK(*bare[0].domain == "MISSING_DOMAIN");
  CHECK(*mime::parse_address_list("user")[0].domain == "MISSING_DOMAIN");
}

TEST_CASE("strings for humans: folding and white space runs collapse, no NUL goes out") {
  CHECK(humans("a\r\n\tfolded  subject ") == "{16}\r\na folded subject");
  CHECK(humans("plain") == "\"plain\"");
  CHECK(humans("   ") == "\"\"");
  CHECK(humans(std::string_view("a\0b", 3)) == "{3}\r\na\x80" "b");
}

TEST_CASE("BODY[section] ranges: parts, MIME headers, encapsulated messages, missing parts") {
  const std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n"
      "--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\ninner\r\n--b--\r\n";
  auto s = mime::parse(m);
  using T = imap::FetchAtt::Text;
  CHECK(section(s, m, {1}, T::all) == "one");
  CHECK(section(s, m, {1}, T::mime) == "Content-Type: text/plain\r\n\r\n");
  CHECK(section(s, m, {2}, T::header) == "Subject: in\r\n\r\n");
  CHECK(section(s, m, {2}, T::text) == "inner");
  CHECK(section(s, m, {2, 1}, T::all) == "inner");
  CHECK(section(s, m, {1}, T::header).empty());  // not a message/rfc822: empty, as Dovecot
  CHECK(section(s, m, {3}, T::all) == "(none)");
  CHECK(section(s, m, {1, 2}, T::all) == "(none)");
  auto single = mime::parse("Subject: x\r\n\r\nbody");
  CHECK(section(single, "Subject: x\r\n\r\nbody", {1}, T::all) == "body");
}

}  // namespace protocol_mime_writer_test

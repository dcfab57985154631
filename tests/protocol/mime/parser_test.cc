// The incremental MIME parser: offsets, sizes, line counts, chunking
// independence, bounds and malformed input (RFC 2045/2046, Dovecot's rules).
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/body_structure.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace protocol_mime_parser_test {

namespace mime = loft::proto::mime;
using mime::Part;

namespace {

std::string bodystructure(const mime::Structure& s) {
  std::string out;
  loft::proto::imap::append_body_structure(&out, s, true);
  return out;
}

const std::string kMultipart =
    "From: a@example.com\r\n"
    "Subject: parts\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"xx\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--xx\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "hello\r\n"
    "world\r\n"
    "--xx\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "From: b@example.com\r\n"
    "\r\n"
    "inner body\r\n"
    "--xx--\r\n"
    "epilogue\r\n";

}  // namespace

TEST_CASE("a multipart message gives its parts with offsets and line counts") {
  auto s = mime::parse(kMultipart);
  REQUIRE(s.parts.size() == 4);  // root, text, message/rfc822, its message
  const Part& root = s.parts[0];
  CHECK(root.has(Part::kMultipart));
  CHECK(root.body_offset == kMultipart.find("preamble"));
  CHECK(root.body_end == kMultipart.size());
  CHECK(root.end == 4);
  CHECK(*root.envelope.subject == "parts");
  const Part& text = s.parts[1];
  CHECK(text.has(Part::kText));
  CHECK(text.header_offset == kMultipart.find("Content-Type: text/plain"));
  // RFC 2046 §5.1.1: the CRLF before the boundary belongs to the boundary.
  CHECK(kMultipart.substr(text.body_offset, text.body_size()) == "hello\r\nworld");
  CHECK(text.body_lines == 1);
  const Part& msg = s.parts[2];
  CHECK(msg.has(Part::kMessage));
  CHECK(kMultipart.substr(msg.body_offset, msg.body_size()) == "Subject: inner\r\nFrom: b@example.com\r\n\r\ninner body");
  CHECK(msg.body_lines == 3);
  const Part& inner = s.parts[3];
  CHECK(inner.has(Part::kHasEnvelope));
  CHECK(*inner.envelope.subject == "inner");
  CHECK(inner.header_offset == msg.body_offset);
  CHECK(mime::children_of(s, 0) == std::vector<uint32_t>{1, 2});
  CHECK(mime::children_of(s, 2) == std::vector<uint32_t>{3});
}

TEST_CASE("byte-at-a-time and every split point give the same structure as one feed") {
  const auto whole = mime::parse(kMultipart);
  mime::Parser one;
  for (char c : kMultipart) one.feed(std::string_view(&c, 1));
  CHECK(one.finish() == whole);
  for (size_t cut = 0; cut <= kMultipart.size(); ++cut) {
    mime::Parser p;
    p.feed(std::string_view(kMultipart).substr(0, cut));
    p.feed(std::string_view(kMultipart).substr(cut));
    auto got = p.finish();
    INFO("split at " << cut);
    CHECK(got == whole);
  }
}

TEST_CASE("a message without MIME-Version is text/plain whatever its Content-* say") {
  auto s = mime::parse("Subject: x\r\nContent-Transfer-Encoding: base64\r\n\r\nbody\r\n");
  CHECK(bodystructure(s) == "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1 NIL NIL NIL NIL)");
}

TEST_CASE("RFC 2231 continuations and charsets are merged into one parameter") {
  auto s = mime::parse(
      "MIME-Version: 1.0\r\nContent-Type: application/pdf; title*=utf-8''%E2%82%AC;\r\n"
      " name*0=\"long\"; name*1=\"-name.pdf\"\r\n\r\nx");
  REQUIRE(s.parts[0].params.size() == 2);
  CHECK(s.parts[0].params[0] == mime::Param{"name", "long-name.pdf"});
  CHECK(s.parts[0].params[1] == mime::Param{"title*", "utf-8''%E2%82%AC"});
}

TEST_CASE("malformed messages give a structure, never an error") {
  SUBCASE("no blank line: the whole message is header") {
    std::string m = "Subject: only a header\r\nFrom: a@b";
    auto s = mime::parse(m);
    CHECK(s.parts[0].body_offset == m.size());
    CHECK(s.parts[0].body_size() == 0);
  }
  SUBCASE("a missing close boundary ends the parts at the end of the message") {
    std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo";
    auto s = mime::parse(m);
    REQUIRE(s.parts.size() == 3);
    CHECK(m.substr(s.parts[2].body_offset) == "two");
    CHECK(s.parts[2].body_end == m.size());
  }
  SUBCASE("NUL and 8-bit bytes in headers and bodies") {
    std::string m = std::string("Subject: a\0b\xff\r\nContent-Type: text/plain; charset=\"\xe9\"\r\n\r\n\0\0\r\n", 52);
    auto s = mime::parse(m);
    CHECK(s.parts.size() == 1);
    std::string out = bodystructure(s);
    CHECK(out.find('\0') == std::string::npos);
  }
  SUBCASE("a multipart without boundary has an empty text part in BODYSTRUCTURE") {
    auto s = mime::parse("Content-Type: multipart/mixed\r\n\r\n--b\r\nx\r\n");
    CHECK(s.parts.size() == 1);
    CHECK(bodystructure(s).find("\"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\"") != std::string::npos);
  }
  SUBCASE("an empty message") {
    auto s = mime::parse("");
    CHECK(s.parts.size() == 1);
    CHECK(s.parts[0].body_end == 0);
  }
}

TEST_CASE("nesting deeper than kMaxDepth stays the opaque body of the deepest part") {
  std::string m;
  for (uint32_t i = 0; i < mime::kMaxDepth + 20; ++i)
    // "=i=": no boundary is a prefix of another (RFC 2046 §5.1.1 matches prefixes).
    m += "Content-Type: multipart/mixed; boundary=\"=" + std::to_string(i) + "=\"\r\n\r\n--=" + std::to_string(i) + "=\r\n";
  m += "\r\nleaf\r\n";
  auto s = mime::parse(m);
  CHECK(s.parts.size() <= mime::kMaxDepth);
  CHECK(s.parts.back().body_end == m.size());
  std::string enc;
  mime::encode_structure(s, &enc);
  CHECK(mime::decode_structure(enc).ok());
}

TEST_CASE("more than kMaxParts parts: the rest stays in the last part's body") {
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (uint32_t i = 0; i < mime::kMaxParts + 100; ++i) m += "--b\r\n\r\n" + std::to_string(i) + "\r\n";
  m += "--b--\r\n";
  auto s = mime::parse(m);
  CHECK(s.parts.size() == mime::kMaxParts);
  CHECK(s.parts[0].end == mime::kMaxParts);
}

TEST_CASE("a long line in a body is not kept whole (memory bounded by the line prefix)") {
  mime::Parser p;
  p.feed("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n");
  std::string chunk(1 << 16, 'x');
  for (int i = 0; i < 64; ++i) p.feed(chunk);  // a 4 MiB line
  p.feed("\r\n--b--\r\n");
  auto s = p.finish();
  REQUIRE(s.parts.size() == 2);
  CHECK(s.parts[1].body_size() == (uint64_t{1} << 22));
}

TEST_CASE("boundaries longer than kMaxBoundary are cut, as Dovecot cuts them") {
  std::string b(100, 'q');
  std::string m = "Content-Type: multipart/mixed; boundary=\"" + b + "\"\r\n\r\n--" + b.substr(0, mime::kMaxBoundary) +
                  "\r\n\r\none\r\n--" + b.substr(0, mime::kMaxBoundary) + "--\r\n";
  auto s = mime::parse(m);
  REQUIRE(s.parts.size() == 2);
  CHECK(m.substr(s.parts[1].body_offset, s.parts[1].body_size()) == "one");
}

TEST_CASE("a header field longer than kMaxFieldBytes is kept up to that bound") {
  std::string subject(mime::kMaxFieldBytes + 1000, 's');
  auto s = mime::parse("Subject: " + subject + "\r\n\r\nbody");
  REQUIRE(s.parts[0].envelope.subject.has_value());
  CHECK(s.parts[0].envelope.subject->size() == mime::kMaxFieldBytes - 9);
  CHECK(s.parts[0].body_size() == 4);
}

TEST_CASE("field values kept over a whole message are bounded by kMaxKeptBytes") {
  std::string desc(200 * 1024, 'd');
  std::string m = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 20; ++i) m += "--b\r\nContent-Description: " + desc + "\r\n\r\nx\r\n";
  m += "--b--\r\n";
  auto s = mime::parse(m);
  REQUIRE(s.parts.size() == 21);
  size_t kept = 0;
  for (const auto& p : s.parts) kept += p.description ? p.description->size() : 0;
  CHECK(kept <= mime::kMaxKeptBytes);
  CHECK(s.parts[1].description.has_value());
  CHECK_FALSE(s.parts[20].description.has_value());
  CHECK(s.parts[20].body_size() == 1);  // the parts are still split
}

}  // namespace protocol_mime_parser_test

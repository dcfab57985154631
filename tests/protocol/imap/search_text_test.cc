// Header and body text for SEARCH: decoded, case-folded header fields, the
// minimal MIME walk over streamed bytes, and SearchContent's reads.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/parser.h"
#include "protocol/imap/search_content.h"
#include "protocol/imap/search_header.h"
#include "protocol/imap/search_parse.h"
#include "protocol/imap/search_text.h"
#include "protocol/mime/charset.h"

namespace protocol_imap_search_text_test {

using namespace loft::proto::imap;
using loft::proto::mime::fold_case;

namespace {

// Which of the needles occur in the body (and headers) of raw, fed in pieces of step bytes.
std::string scan(std::string_view raw, const std::vector<std::string>& needles, size_t step = 0,
                 std::string* header_hits = nullptr) {
  std::vector<std::string> folded;
  for (const auto& n : needles) folded.push_back(fold_case(n));
  NeedleSet headers(folded), body(folded);
  TextScanner s(&headers, &body);
  if (step == 0) step = raw.size() + 1;
  for (size_t i = 0; i < raw.size(); i += step) s.feed(raw.substr(i, step));
  s.finish();
  std::string hits;
  for (size_t i = 0; i < folded.size(); ++i) {
    hits += body.found(i) ? '1' : '0';
    if (header_hits) *header_hits += headers.found(i) ? '1' : '0';
  }
  return hits;
}

const char kMultipart[] =
    "From: a@b\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
    "preamble words\r\n"
    "--b1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "Caf=E9 au lait, tr=\r\nes bon\r\n"
    "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
    "--b2\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "PGI+U2hvdXRpbmc8L2I+\r\n"
    "--b2--\r\n"
    "--b1\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "aGlkZGVuIHRleHQ=\r\n"
    "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
    "Subject: inner subject\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4\r\n"
    "--b1--\r\nepilogue words\r\n";

}  // namespace

TEST_CASE("header fields are unfolded, decoded and folded; empty needles test presence") {
  HeaderSearch h(
      "From: =?ISO-8859-1?Q?Andr=E9?= <a@example.org>\r\nSubject: a folded\r\n\tline\r\n"
      "X-Empty:\r\nbogus line\r\nTo : spaced@example.org\r\n\r\nBody: not a header\r\n");
  CHECK(h.contains("from", fold_case("ANDRÉ")));
  CHECK(h.contains("From", "a@example"));
  CHECK(h.contains("subject", "folded\tline"));
  CHECK(h.contains("X-Empty", ""));
  CHECK_FALSE(h.contains("X-Empty", "x"));
  CHECK(h.contains("to", "spaced"));
  CHECK_FALSE(h.contains("Body", ""));  // after the blank line
  CHECK_FALSE(h.contains("Cc", ""));
}

TEST_CASE("Date: fields give their day as written, ignoring time and zone") {
  CHECK(parse_rfc5322_day("Tue, 1 Jul 2003 10:52:37 +0200") == 12234);
  CHECK(parse_rfc5322_day("1 Jul 2003 23:59:59 -1200") == 12234);
  CHECK(parse_rfc5322_day("Thu, 13 Feb 1969 23:32:54 -0330") == -322);
  CHECK(parse_rfc5322_day("Tue, 1 Jul 03 10:52:37 GMT") == 12234);   // RFC 5322 §4.3 two-digit year
  CHECK(parse_rfc5322_day("Fri, 21 Nov 97 09:55:06 GMT") == 10186);
  CHECK(parse_rfc5322_day("Wed, 15 Dec 2010    59:10 -0500") == 14958);
  CHECK_FALSE(parse_rfc5322_day("yesterday"));
  CHECK_FALSE(parse_rfc5322_day("31 Feb 2003 10:00"));
  CHECK_FALSE(parse_rfc5322_day(""));
}

TEST_CASE("the MIME walk searches decoded text parts only, split at every byte") {
  const std::vector<std::string> needles = {"café au lait, tres bon", "shouting", "hidden text", "preamble",
                                            "epilogue", "привет", "inner subject", "grüße"};
  std::string header_hits;
  CHECK(scan(kMultipart, needles, 0, &header_hits) == "11000100");
  CHECK(header_hits == "00000011");  // TEXT also sees every part's header fields
  std::string raw = kMultipart;
  for (size_t step = 1; step < 64; ++step) {
    CAPTURE(step);
    CHECK(scan(raw, needles, step) == "11000100");
  }
}

TEST_CASE("defaults and broken parts: no Content-Type is text, unknown encodings and types are not") {
  CHECK(scan("Subject: x\r\n\r\nplain body\r\n", {"plain body"}) == "1");
  CHECK(scan("no header at all\r\nsecond line\r\n", {"second line"}) == "0");
  std::string hits;
  scan("no header at all\r\n\r\nbody\r\n", {"no header"}, 0, &hits);
  CHECK(hits == "1");  // a first line without a colon is header text for TEXT
  CHECK(scan("Content-Transfer-Encoding: x-uuencode\r\n\r\nsecret\r\n", {"secret"}) == "0");
  CHECK(scan("Content-Type: ; name=x\r\n\r\nsecret\r\n", {"secret"}) == "0");
  CHECK(scan("Content-Transfer-Encoding:\r\n\r\nsecret\r\n", {"secret"}) == "0");
  CHECK(scan("Content-Transfer-Encoding: 8BIT\r\n\r\nsecret\r\n", {"secret"}) == "1");
  CHECK(scan("Content-Type: multipart/mixed\r\n\r\nno boundary\r\n", {"no boundary"}) == "0");
  CHECK(scan("Content-Type: text/plain; charset=x-unknown-thing\r\n\r\ncaf\xc3\xa9\r\n", {"café"}) == "1");
  // a digest's parts are messages
  CHECK(scan("Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: s\r\n\r\ndigest body\r\n--d--\r\n",
             {"digest body", "subject"}) == "10");
}

TEST_CASE("boundaries: prefix match, closing by an outer boundary, never inside a long line") {
  CHECK(scan("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--bx\r\ntwo\r\n--b--\r\n",
             {"one", "two"}) == "10");  // "--bx" starts with the delimiter: a new part, whose header holds "two"
  CHECK(scan("Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n"
             "--i\r\n\r\ninner\r\n--o\r\n\r\nsecond\r\n--o--\r\n",
             {"inner", "second"}) == "11");
  // boundaries are cut to 80 characters (as Dovecot does): a line with the same 80 starts a part
  std::string b100(100, 'x'), b80(80, 'x');
  CHECK(scan("Content-Type: multipart/mixed; boundary=" + b100 + "\r\n\r\n--" + b100 + "\r\n\r\nfirst\r\n--" + b80 +
                 "zz\r\nhidden\r\n--" + b100 + "--\r\n",
             {"first", "hidden"}) == "10");
  std::string long_line = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n" +
                          std::string(TextScanner::kMaxLine, 'x') + "--b--\r\nafter\r\n--b--\r\n";
  CHECK(scan(long_line, {"after"}) == "1");
}

TEST_CASE("needles may span pieces of input but not two parts") {
  std::vector<std::string> folded = {"split here"};
  NeedleSet set(folded);
  set.feed("text split");
  set.feed(" here");
  CHECK(set.found(0));
  NeedleSet apart(folded);
  apart.feed("text split");
  apart.boundary();
  apart.feed(" here");
  CHECK_FALSE(apart.found(0));
  NeedleSet empty({""});
  CHECK(empty.all_found());
}

namespace {

SearchKey program(const std::string& text) {
  ParseResult r = parse_command("t SEARCH " + text, ParserLimits{});
  REQUIRE(r.command);
  return std::get<CmdSearch>(r.command->body).program;
}

}  // namespace

TEST_CASE("SearchContent reads the header only for header keys, the body in bounded pieces for BODY") {
  std::string msg = "Subject: Hello\r\nDate: 2 Jan 2001 00:00:00 +0000\r\n\r\n" + std::string(300000, 'a') + " needle\r\n";
  uint64_t header_size = msg.find("\r\n\r\n") + 4;
  std::vector<std::pair<uint64_t, uint64_t>> reads;
  auto read = [&](uint64_t off, uint64_t len) -> loft::Result<std::string> {
    reads.emplace_back(off, len);
    return msg.substr(off, len);
  };
  SearchKey p = program("SUBJECT hello BODY needle TEXT \"date: 2 jan\"");
  SearchNeedles needles(p);
  SearchContent c(needles, read, msg.size(), header_size);
  CHECK(c.header_matches(p.children[0]));
  CHECK(c.sent_day() == 11324);
  REQUIRE(reads.size() == 1);
  CHECK(reads[0] == std::make_pair(uint64_t{0}, header_size));
  CHECK(c.body_matches(p.children[1]));
  CHECK(c.body_matches(p.children[2]));  // TEXT finds header text
  size_t body_reads = reads.size() - 1;
  CHECK(body_reads == (msg.size() + SearchContent::kPiece - 1) / SearchContent::kPiece);
  for (const auto& r : reads) CHECK(r.second <= SearchContent::kPiece + header_size);
}

TEST_CASE("BODY does not see the header; TEXT does") {
  std::string msg = "Subject: only in the header\r\n\r\nbody text\r\n";
  auto read = [&](uint64_t off, uint64_t len) -> loft::Result<std::string> { return msg.substr(off, len); };
  SearchKey p = program("BODY \"in the header\" TEXT \"in the header\" BODY \"BODY TEXT\"");
  SearchNeedles needles(p);
  SearchContent c(needles, read, msg.size(), 31);
  CHECK_FALSE(c.body_matches(p.children[0]));
  CHECK(c.body_matches(p.children[1]));
  CHECK(c.body_matches(p.children[2]));
}

TEST_CASE("SearchContent stops reading once every body needle is found, and reports read errors") {
  std::string msg = "Subject: x\r\n\r\nearly\r\n" + std::string(500000, 'b');
  int reads = 0;
  auto read = [&](uint64_t off, uint64_t len) -> loft::Result<std::string> {
    ++reads;
    return msg.substr(off, len);
  };
  SearchKey p = program("BODY early");
  SearchNeedles needles(p);
  SearchContent c(needles, read, msg.size(), 14);
  CHECK(c.body_matches(p.children[0]));
  CHECK(reads == 1);
  auto failing = [](uint64_t, uint64_t) -> loft::Result<std::string> {
    return loft::Error{loft::Errc::temp, "disk"};
  };
  SearchContent broken(needles, failing, msg.size(), 14);
  CHECK_FALSE(broken.body_matches(p.children[0]));
  REQUIRE(broken.error());
  CHECK(broken.error()->code == loft::Errc::temp);
}

}  // namespace protocol_imap_search_text_test

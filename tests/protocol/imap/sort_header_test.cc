// The sort header the MIME parser keeps at ingest (protocol/mime/parser.h,
// sort_header) must give SORT and THREAD exactly the facts the whole header
// block gives (RFC 5256 §2.1-§2.2, §3): checked on tricky headers (repeated
// fields, folding, bare LF, lines without a colon, bodies that look like
// fields) and on many random ones, fed whole and split at every offset.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "protocol/imap/sort.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace protocol_imap_sort_header_test {

using namespace loft::proto;

namespace {

std::string facts(const imap::SortFacts& f) {
  std::string s = std::to_string(f.sent) + "|" + f.subject + "|" + (f.reply ? "r" : "-") + "|" + f.from + "|" + f.to +
                  "|" + f.cc + "|" + f.display_from + "|" + f.display_to + "|" + f.message_id;
  for (const std::string& r : f.references) s += "|" + r;
  return s;
}

// The header block of message (up to and including the blank line).
std::string header_of(const std::string& message) {
  size_t crlf = message.find("\r\n\r\n"), lf = message.find("\n\n");
  size_t end = std::min(crlf == std::string::npos ? message.size() : crlf + 4,
                        lf == std::string::npos ? message.size() : lf + 2);
  return message.substr(0, end);
}

void check_same(const std::string& message) {
  CAPTURE(message);
  mime::Parser p;
  p.feed(message);
  p.finish();
  REQUIRE(p.sort_header());
  CHECK(facts(imap::sort_facts_from_header(*p.sort_header(), 77, 5)) ==
        facts(imap::sort_facts_from_header(header_of(message), 77, 5)));
  // The same kept bytes however the message arrives.
  for (size_t cut = 1; cut < message.size(); cut += 7) {
    mime::Parser q;
    q.feed(std::string_view(message).substr(0, cut));
    q.feed(std::string_view(message).substr(cut));
    q.finish();
    CHECK(q.sort_header() == p.sort_header());
  }
  // And through the structure codec.
  std::string enc;
  mime::encode_structure(mime::parse(message), &enc, p.sort_header());
  auto kept = mime::structure_sort_header(enc);
  REQUIRE(kept);
  CHECK(*kept == *p.sort_header());
  CHECK(mime::decode_structure(enc).ok());
}

}  // namespace

TEST_CASE("the kept sort header gives the facts of the whole header") {
  check_same("Date: Mon, 7 Feb 1994 21:52:25 -0800\r\nSubject: Re: [list] Fwd: hello\r\nFrom: \"A B\" <a@x.org>\r\n"
             "To: c@y.org, d@z.org\r\nCc: e@w.org\r\nMessage-ID: <1@x>\r\nReferences: <0@x>\r\n <00@x>\r\n\r\nbody\r\n");
  // The first occurrence counts; folded values; fields after other fields.
  check_same("X-A: 1\r\nSubject: first\r\n\tfolded\r\nSubject: second\r\nFrom: a@x\r\nFrom: b@x\r\n"
             "In-Reply-To: <p@x> <q@x>\r\nmessage-id: <m@x>\r\n\r\nSubject: in the body\r\n");
  // Bare LF, a line without a colon, an empty value, odd spacing.
  check_same("Subject:   spaced   \nbroken line\nFrom:\nTo : t@x\nDate: 1 Jan 2001 00:00 +0000\n\nbody\n");
  // No body at all, and no blank line.
  check_same("Subject: only a header\r\nFrom: a@x");
  // Encoded words and a multipart whose parts carry their own Subject.
  check_same("MIME-Version: 1.0\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
             "--b\r\nSubject: part\r\n\r\nx\r\n--b--\r\n");
}

TEST_CASE("random headers: kept sort header and whole header agree") {
  std::mt19937 rng(5256);
  const std::vector<std::string> names = {"Date", "Subject", "From", "To", "Cc", "Message-ID", "In-Reply-To",
                                          "References", "X-Other", "subject", "FROM", "Received"};
  const std::vector<std::string> values = {"Re: hello", "Fwd: [x] re: a", "a@x.org", "\"N\" <n@y>", "<id@x>",
                                           "<a@x> <b@x>", "Tue, 3 Mar 2020 10:00:00 +0100", "", "  spaced ",
                                           "=?ISO-8859-1?Q?a=E9?=", "junk <z@x>"};
  for (int round = 0; round < 500; ++round) {
    std::string m;
    int fields = 1 + static_cast<int>(rng() % 10);
    for (int i = 0; i < fields; ++i) {
      m += names[rng() % names.size()] + ": " + values[rng() % values.size()];
      if (rng() % 4 == 0) m += "\r\n " + values[rng() % values.size()];  // folded
      m += rng() % 5 == 0 ? "\n" : "\r\n";
    }
    m += "\r\nbody\r\n";
    check_same(m);
  }
}

TEST_CASE("no sort header past the scope a SORT reads") {
  std::string big = "Subject: s\r\nX-Pad: " + std::string(mime::Parser::kSortHeaderScope, 'p') + "\r\n\r\nbody\r\n";
  mime::Parser p;
  p.feed(big);
  p.finish();
  CHECK_FALSE(p.sort_header());
  std::string enc;
  mime::encode_structure(mime::parse(big), &enc, p.sort_header());
  CHECK_FALSE(mime::structure_sort_header(enc));
  CHECK(mime::decode_structure(enc).ok());
  // A version 1 structure (stored before sort headers) has none and still decodes.
  std::string v2;
  mime::encode_structure(mime::parse("Subject: x\r\n\r\n"), &v2);
  REQUIRE(v2.size() > 2);
  CHECK(v2[1] == 0);  // no sort header given
  std::string v1 = std::string(1, '\1') + v2.substr(2);
  CHECK(mime::structure_sort_header(v1) == std::nullopt);
  auto old = mime::decode_structure(v1);
  REQUIRE(old.ok());
  CHECK(*old == mime::parse("Subject: x\r\n\r\n"));
}

}  // namespace protocol_imap_sort_header_test

// Garbage input: NUL and 8-bit bytes, and random streams, must never crash,
// must give BAD, and must not depend on how the stream is split.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "imap_test_util.h"

namespace protocol_imap_parser_garbage_test {

using loft::proto::imap::ParseEvent;
using loft::proto::imap::Parser;
using loft::proto::imap::ParserLimits;
using loft::proto::imap::parse_command;
using loft::proto::imap::test::feed_all;
using loft::proto::imap::test::feed_chunks;
using V = std::vector<std::string>;
using namespace std::literals;

namespace {

// A small deterministic generator (tests must be reproducible).
struct Lcg {
  uint64_t s;
  uint32_t next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(s >> 33);
  }
};

// Random streams built from grammar fragments, literal headers of random
// sizes and the odd random byte, so every framing path gets exercised.
std::string random_stream(Lcg& g, size_t n) {
  static constexpr std::string_view kFragments[] = {
      "a1 ", "t ", "LOGIN ", "FETCH ", "UID ", "1:* ", "(FLAGS ", "BODY.PEEK[", "HEADER.FIELDS (", ")",
      "]", "\"", "\\", " ", "x", "\r\n", "\n", "\r", "NOOP\r\n", "<0.5>", "~", "SELECT INBOX\r\n",
      "a2 LOGIN a b\r\n", "a3 FETCH 1 (UID BODY[1.MIME])\r\n"};
  std::string s;
  while (s.size() < n) {
    uint32_t r = g.next() % 16;
    if (r == 0) {
      s.push_back(static_cast<char>(g.next() & 0xff));
    } else if (r <= 2) {
      s += "{" + std::to_string(g.next() % 30) + (r == 1 ? "+" : "") + "}\r\n";
    } else {
      s += kFragments[g.next() % std::size(kFragments)];
    }
  }
  return s;
}

}  // namespace

TEST_CASE("NUL and 8-bit bytes give BAD and parsing continues") {
  CHECK(feed_all("\0\0\0\r\nb NOOP\r\n"sv) == V{"BAD * Invalid tag", "b NOOP"});
  CHECK(feed_all("a \xff\xfe\r\n") == V{"BAD a Invalid atom"});
  CHECK(feed_all("a NO\0OP\r\n"sv) == V{"BAD a Unknown command"});
  CHECK(feed_all("a NOOP\0\r\n"sv) == V{"BAD a Unexpected extra arguments"});
  CHECK(feed_all("a LOGIN \"x\0y\" z\r\n"sv) == V{"BAD a Invalid character in quoted string"});
  CHECK(feed_all("a LOGIN x\ry z\r\n") == V{"BAD a Expected a single space"});
  CHECK(feed_all("\r\n\n") == V{"BAD * Empty command line", "BAD * Empty command line"});
  CHECK(feed_all("}{+\r\n") == V{"BAD * Invalid tag"});
}

TEST_CASE("parse_command survives every prefix of realistic commands") {
  const std::string_view cmds[] = {
      "a1 UID FETCH 1:*,7 (UID FLAGS BODY.PEEK[1.2.HEADER.FIELDS.NOT (\"A\" {1}\r\nB)]<0.10> RFC822.SIZE)",
      "a2 LOGIN {5}\r\nalice \"p\\\"w\"",
      "a3 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==",
  };
  for (std::string_view c : cmds) {
    for (size_t i = 0; i <= c.size(); ++i) {
      auto r = parse_command(c.substr(0, i), ParserLimits{});
      CHECK((r.command.has_value() || !r.error.message.empty()));
      CHECK_FALSE(r.error.fatal);
    }
  }
}

TEST_CASE("random streams never crash and give the same events however they are split") {
  ParserLimits l;
  l.max_line = 40;
  l.max_literal = 16;
  l.max_literals_total = 24;
  l.max_depth = 3;
  l.max_tokens = 20;
  Lcg g{42};
  for (int round = 0; round < 300; ++round) {
    std::string in = random_stream(g, 20 + g.next() % 300);
    V whole = feed_all(in, l);
    for (const std::string& ev : whole) {
      bool known = ev.rfind("BAD ", 0) == 0 || ev.rfind("FATAL ", 0) == 0 || ev.rfind("+", 0) == 0 ||
                   ev.find(' ') != std::string::npos;
      CHECK(known);
    }
    Parser p(l);
    std::vector<std::string_view> pieces;
    size_t pos = 0;
    while (pos < in.size()) {
      size_t n = 1 + g.next() % 7;
      pieces.push_back(std::string_view(in).substr(pos, n));
      pos += n;
    }
    auto split = feed_chunks(p, pieces);
    if (split != whole) {
      CAPTURE(in);
      CHECK(split == whole);
    }
    CHECK(p.buffered() <= l.max_line + l.max_literals_total + 2 * 8);
  }
}

TEST_CASE("every event of a feed consumes input or ends it") {
  // Guards the contract "call again while input is non-empty": no event may
  // leave input untouched forever.
  Lcg g{7};
  for (int round = 0; round < 200; ++round) {
    std::string in = random_stream(g, 200);
    Parser p;
    std::string_view rest = in;
    for (int steps = 0; !rest.empty(); ++steps) {
      REQUIRE(steps < 10000);
      size_t before = rest.size();
      ParseEvent ev = p.feed(&rest);
      if (ev.kind == ParseEvent::Kind::need_more) CHECK(rest.empty());
      if (ev.kind == ParseEvent::Kind::error) CHECK(!ev.error.message.empty());
      CHECK(rest.size() <= before);
    }
  }
}

}  // namespace protocol_imap_parser_garbage_test

// Parser framing: lines, sync and non-sync literals, arbitrary splits of the
// byte stream, and read_line for AUTHENTICATE continuations.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"

namespace protocol_imap_parser_stream_test {

using loft::proto::imap::ParseEvent;
using loft::proto::imap::Parser;
using loft::proto::imap::test::feed_all;
using loft::proto::imap::test::feed_chunks;

namespace {

// Several commands using every framing feature: CRLF and bare LF, sync and
// non-sync literals (also empty ones and ones holding CRLF), a bad command.
constexpr std::string_view kStream =
    "a1 CAPABILITY\r\n"
    "a2 LOGIN {5}\r\nalice {6+}\r\nse\r\nrt\r\n"
    "a3 SELECT \"INBOX\"\n"
    "a4 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS ({4}\r\nFrom {2+}\r\nTo)])\r\n"
    "bad line\r\n"
    "a5 UID FETCH 1 BODY[]<0.10>\r\n"
    "a6 LOGIN {0}\r\n {0+}\r\n\r\n"
    "a7 LOGIN \"x {3}\r\n"
    "a8 NOOP\r\n";

const std::vector<std::string> kExpected = {
    "a1 CAPABILITY",
    "+5",
    "a2 LOGIN [alice] [se\r\nrt]",
    "a3 SELECT [INBOX]",
    "+4",
    "a4 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)])",
    "BAD bad Unknown command",
    "a5 UID FETCH 1 (BODY[]<0.10>)",
    "+0",
    "a6 LOGIN [] []",
    "BAD a7 Unterminated quoted string",  // "{3}" inside quotes is no literal
    "a8 NOOP",
};

}  // namespace

TEST_CASE("a stream of commands fed at once gives every event in order") {
  CHECK(feed_all(kStream) == kExpected);
}

TEST_CASE("feeding one byte at a time gives identical events") {
  Parser p;
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < kStream.size(); ++i) bytes.push_back(kStream.substr(i, 1));
  CHECK(feed_chunks(p, bytes) == kExpected);
}

TEST_CASE("splitting the stream at every offset gives identical events") {
  for (size_t i = 0; i <= kStream.size(); ++i) {
    CAPTURE(i);
    Parser p;
    REQUIRE(feed_chunks(p, {kStream.substr(0, i), kStream.substr(i)}) == kExpected);
  }
}

TEST_CASE("splitting the stream at every pair of offsets gives identical events") {
  for (size_t i = 0; i <= kStream.size(); i += 3) {
    for (size_t j = i; j <= kStream.size(); ++j) {
      Parser p;
      auto got = feed_chunks(p, {kStream.substr(0, i), kStream.substr(i, j - i), kStream.substr(j)});
      if (got != kExpected) {
        CAPTURE(i);
        CAPTURE(j);
        REQUIRE(got == kExpected);
      }
    }
  }
}

TEST_CASE("need_literal is reported exactly for synchronising literals") {
  Parser p;
  std::string_view in = "t LOGIN {3}\r\n";
  ParseEvent ev = p.feed(&in);
  CHECK(ev.kind == ParseEvent::Kind::need_literal);
  CHECK(ev.literal_size == 3);
  CHECK(in.empty());
  CHECK(p.buffered() > 0);
  in = "ab";
  CHECK(p.feed(&in).kind == ParseEvent::Kind::need_more);
  in = "c {2+}\r\nxy";
  CHECK(p.feed(&in).kind == ParseEvent::Kind::need_more);  // no "+" for LITERAL+
  in = "\r\n";
  ev = p.feed(&in);
  REQUIRE(ev.kind == ParseEvent::Kind::command);
  CHECK(loft::proto::imap::test::describe(*ev.command) == "t LOGIN [abc] [xy]");
  CHECK(p.buffered() == 0);
}

TEST_CASE("a literal's bytes are never taken for line ends or literal headers") {
  CHECK(feed_all("t LOGIN {6}\r\n{1}\r\n\n x\r\n") == std::vector<std::string>{"+6", "t LOGIN [{1}\r\n\n] [x]"});
  CHECK(feed_all("t LOGIN {5+}\r\nb\nc\rd {1+}\r\nz\r\n") == std::vector<std::string>{"t LOGIN [b\nc\rd] [z]"});
}

TEST_CASE("an escaped quote keeps the framing inside the quoted string") {
  CHECK(feed_all("t LOGIN \"a\\\" {2}\r\nb NOOP\r\n") ==
        std::vector<std::string>{"BAD t Unterminated quoted string", "b NOOP"});
  CHECK(feed_all("t LOGIN \"a\\\\\" {2}\r\nxy\r\n") == std::vector<std::string>{"+2", "t LOGIN [a\\] [xy]"});
}

TEST_CASE("reset forgets a partial command") {
  Parser p;
  std::string_view in = "a STARTTLS\r\nb LOGIN {5}\r\nab";
  CHECK(p.feed(&in).kind == ParseEvent::Kind::command);
  CHECK(p.feed(&in).kind == ParseEvent::Kind::need_literal);
  CHECK(p.feed(&in).kind == ParseEvent::Kind::need_more);
  p.reset();
  CHECK(p.buffered() == 0);
  CHECK(feed_chunks(p, {"c NOOP\r\n"}) == std::vector<std::string>{"c NOOP"});
}

TEST_CASE("read_line reads AUTHENTICATE continuation lines from the same stream") {
  Parser p;
  std::string line;
  std::string_view in = "a AUTHENTICATE PLAIN\r\ndGVz";
  CHECK(p.feed(&in).kind == ParseEvent::Kind::command);
  CHECK(p.feed(&in).kind == ParseEvent::Kind::need_more);  // "dGVz" is now buffered
  in = "dA==";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::need_more);
  in = "\r\n*\nb NOOP\r\n";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::line);
  CHECK(line == "dGVzdA==");
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::line);
  CHECK(line == "*");
  CHECK(feed_chunks(p, {in}) == std::vector<std::string>{"b NOOP"});
  in = "\r\n";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::line);
  CHECK(line.empty());
}

TEST_CASE("read_line reports an over-long line and drops the rest of it") {
  loft::proto::imap::ParserLimits limits;
  limits.max_line = 8;
  Parser p(limits);
  std::string line;
  std::string_view in = "12345678\r\n";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::line);
  CHECK(line == "12345678");
  in = "123456789";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::too_long);
  CHECK(in.empty());
  in = "more {3+}\r\nb NOOP\r\n";  // no literal is honoured in a raw line
  CHECK(feed_chunks(p, {in}) == std::vector<std::string>{"b NOOP"});
  in = "123456789\r\nc NOOP\r\n";
  CHECK(p.read_line(&in, &line) == Parser::LineStatus::too_long);
  CHECK(in == "c NOOP\r\n");
}

}  // namespace protocol_imap_parser_stream_test

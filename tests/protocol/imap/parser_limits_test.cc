// Parser limits (line, literal, total literal bytes, depth, tokens) and
// recovery after non-fatal errors.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"

namespace protocol_imap_parser_limits_test {

using loft::proto::imap::Parser;
using loft::proto::imap::ParserLimits;
using loft::proto::imap::test::feed_all;
using loft::proto::imap::test::feed_chunks;
using V = std::vector<std::string>;

namespace {

ParserLimits small_line() {
  ParserLimits l;
  l.max_line = 20;
  return l;
}

// feed_all, and also one byte at a time: both must agree.
V feed_both(std::string_view in, ParserLimits limits) {
  V whole = feed_all(in, limits);
  Parser p(limits);
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(in.substr(i, 1));
  CHECK(feed_chunks(p, bytes) == whole);
  return whole;
}

}  // namespace

TEST_CASE("a line of exactly max_line bytes is accepted, one more is too long") {
  std::string ok = "a LOGIN " + std::string(12, 'x');  // 20 bytes
  CHECK(feed_both(ok + "\r\n", small_line()) == V{"BAD a Missing argument"});
  CHECK(feed_both(ok + "\n", small_line()) == V{"BAD a Missing argument"});
  CHECK(feed_both(ok + "y\r\nb NOOP\r\n", small_line()) == V{"BAD a Line too long", "b NOOP"});
  CHECK(feed_both(ok + "\r\r\nb NOOP\r\n", small_line()) == V{"BAD a Line too long", "b NOOP"});
}

TEST_CASE("an over-long line is reported once, skipped to its LF, and parsing recovers") {
  std::string in = "a1 NOOP\r\na2 LOGIN " + std::string(5000, 'x') + "\r\na3 NOOP\r\n";
  CHECK(feed_both(in, small_line()) == V{"a1 NOOP", "BAD a2 Line too long", "a3 NOOP"});
  Parser p(small_line());
  std::string big(100000, 'y');
  std::string head = "a2 " + big;
  CHECK(feed_chunks(p, {head, big}) == V{"BAD a2 Line too long"});
  CHECK(p.buffered() == 0);  // discarded bytes are not kept
  CHECK(feed_chunks(p, {big, "\nb NOOP\r\n"}) == V{"b NOOP"});
}

TEST_CASE("an over-long line whose tag cannot be read is answered with a star") {
  CHECK(feed_both(std::string(30, 'x') + "\r\nb NOOP\r\n", small_line()) == V{"BAD * Line too long", "b NOOP"});
  CHECK(feed_both("a(b " + std::string(30, 'x') + "\r\n", small_line()) == V{"BAD * Line too long"});
}

TEST_CASE("the line limit counts all lines of a command but not its literals") {
  ParserLimits l = small_line();
  l.max_line = 30;
  CHECK(feed_both("a LOGIN {30+}\r\n" + std::string(30, 'p') + " x\r\n", l) ==
        V{"a LOGIN [" + std::string(30, 'p') + "] [x]"});
  l = small_line();
  CHECK(feed_both("a LOGIN {1+}\r\np " + std::string(15, 'q') + "\r\nb NOOP\r\n", l) ==
        V{"BAD a Line too long", "b NOOP"});
}

TEST_CASE("only a command that carries a message may send a literal larger than a line") {
  ParserLimits l = small_line();  // max_line 20
  CHECK(feed_both("a LOGIN {21}\r\nb NOOP\r\n", l) == V{"BAD a [TOOBIG] Literal too big", "b NOOP"});
  CHECK(feed_both("a LOGIN {21+}\r\n" + std::string(21, 'p') + " x\r\n", l) ==
        V{"FATAL a [TOOBIG] Literal too big"});
  // APPEND's message may be as large as max_literal: it is streamed out, never
  // held against the line limit.
  V got = feed_both("a append x {40}\r\n" + std::string(40, 'm') + "\r\nb NOOP\r\n", l);
  CHECK(got == V{"START a APPEND [x] () {40}", "DATA " + std::string(40, 'm'), "END", "b NOOP"});
  CHECK(loft::proto::imap::carries_message("t APPEND INBOX"));
  CHECK(loft::proto::imap::carries_message("t replace 1 INBOX"));
  CHECK_FALSE(loft::proto::imap::carries_message("t APPENDX INBOX"));
  CHECK_FALSE(loft::proto::imap::carries_message("t LOGIN APPEND"));
  CHECK_FALSE(loft::proto::imap::carries_message("APPEND"));
}

TEST_CASE("a non-synchronising literal at the end of a skipped line is skipped too") {
  std::string in = "a2 LOGIN " + std::string(40, 'x') + " {5+}\r\nb\r\nc\r\nd NOOP\r\n";
  CHECK(feed_both(in, small_line()) == V{"BAD a2 Line too long", "d NOOP"});
  // A sync literal was never sent: the client got BAD instead of "+".
  in = "a2 LOGIN " + std::string(40, 'x') + " {5}\r\nd NOOP\r\n";
  CHECK(feed_both(in, small_line()) == V{"BAD a2 Line too long", "d NOOP"});
  in = "a2 LOGIN \"" + std::string(40, 'x') + " {5+}\r\nd NOOP\r\n";  // inside quotes: no literal
  CHECK(feed_both(in, small_line()) == V{"BAD a2 Line too long", "d NOOP"});
}

TEST_CASE("a synchronising literal above the limit is a non-fatal BAD without a continuation") {
  ParserLimits l;
  l.max_literal = 10;
  CHECK(feed_both("a1 LOGIN {11}\r\na2 NOOP\r\n", l) == V{"BAD a1 [TOOBIG] Literal too big", "a2 NOOP"});
  CHECK(feed_both("a1 LOGIN {10}\r\n0123456789 x\r\n", l) == V{"+10", "a1 LOGIN [0123456789] [x]"});
  CHECK(feed_both("a1 LOGIN {99999999999999999999999}\r\na2 NOOP\r\n", l) ==
        V{"BAD a1 [TOOBIG] Literal too big", "a2 NOOP"});
}

TEST_CASE("a non-synchronising literal above the limit is fatal and stays fatal") {
  ParserLimits l;
  l.max_literal = 10;
  CHECK(feed_both("a1 LOGIN {11+}\r\n01234567890 x\r\na2 NOOP\r\n", l) == V{"FATAL a1 [TOOBIG] Literal too big"});
  Parser p(l);
  std::string_view in = "a1 LOGIN {11+}\r\n";
  CHECK(p.feed(&in).error.fatal);
  in = "a2 NOOP\r\n";
  auto ev = p.feed(&in);
  CHECK(ev.error.fatal);
  CHECK(in.empty());
  p.reset();
  CHECK(feed_chunks(p, {"a3 NOOP\r\n"}) == V{"a3 NOOP"});
}

TEST_CASE("the total of a command's literals is bounded") {
  ParserLimits l;
  l.max_literals_total = 10;
  CHECK(feed_both("a LOGIN {6}\r\n123456 {5}\r\nb NOOP\r\n", l) ==
        V{"+6", "BAD a [TOOBIG] Literal too big", "b NOOP"});
  CHECK(feed_both("a LOGIN {6+}\r\n123456 {5+}\r\n12345\r\n", l) == V{"FATAL a [TOOBIG] Literal too big"});
  CHECK(feed_both("a LOGIN {6+}\r\n123456 {4+}\r\n1234\r\n", l) == V{"a LOGIN [123456] [1234]"});
}

TEST_CASE("literal8 is refused: sync at once, non-sync after its bytes") {
  CHECK(feed_both("a LOGIN ~{3}\r\nb NOOP\r\n", {}) == V{"BAD a Literal8 not supported", "b NOOP"});
  CHECK(feed_both("a LOGIN ~{3+}\r\nxyz z\r\nb NOOP\r\n", {}) == V{"BAD a Literal8 not allowed here", "b NOOP"});
}

TEST_CASE("nesting deeper than max_depth is a non-fatal error") {
  ParserLimits l;
  l.max_depth = 1;
  CHECK(feed_both("a FETCH 1 (BODY[HEADER.FIELDS (A)])\r\nb FETCH 1 (FLAGS)\r\n", l) ==
        V{"BAD a Too deeply nested", "b FETCH 1 (FLAGS)"});
}

TEST_CASE("more tokens than max_tokens is a non-fatal error") {
  ParserLimits l;
  l.max_tokens = 5;
  CHECK(feed_both("a FETCH 1 (FLAGS UID)\r\nb FETCH 1 (FLAGS UID RFC822)\r\nc NOOP\r\n", l) ==
        V{"a FETCH 1 (FLAGS UID)", "BAD b Too many tokens", "c NOOP"});
}

}  // namespace protocol_imap_parser_limits_test

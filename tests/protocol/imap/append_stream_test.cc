// APPEND framing: the message literal is streamed out (message_start /
// message_data / message_end), never buffered, whatever the split of the input.
#include <algorithm>

#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_append_stream_test {

using namespace loft::proto::imap;
using namespace loft::proto::imap::test;
using V = std::vector<std::string>;

TEST_CASE("APPEND with flags and a date-time streams its message") {
  CHECK(feed_every_way("a APPEND INBOX (\\Seen $Junk \\Draft) \"17-Jul-1996 02:44:25 -0700\" {5}\r\nhello\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] (\\Seen \\Draft $Junk) date=837596665/-420 {5}", "DATA hello", "END", "b NOOP"});
  CHECK(feed_every_way("a APPEND Sent \" 5-Jan-2020 10:00:00 +0100\" {3+}\r\nxyz\r\n") ==
        V{"START a APPEND [Sent] () date=1578214800/60 {3+}", "DATA xyz", "END"});
  CHECK(feed_every_way("a APPEND Sent () {0}\r\n\r\n") == V{"START a APPEND [Sent] () {0}", "END"});
}

TEST_CASE("a mailbox sent as a literal is buffered, the message after it is streamed") {
  CHECK(feed_every_way("a APPEND {5}\r\nIN BX (\\Flagged) {12+}\r\nhello\r\nworld\r\nb NOOP\r\n") ==
        V{"+5", "START a APPEND [IN BX] (\\Flagged) {12+}", "DATA hello\r\nworld", "END", "b NOOP"});
}

TEST_CASE("the parser holds none of a large message") {
  const std::string body(1 << 20, 'x');
  std::string in = "a APPEND INBOX {" + std::to_string(body.size()) + "+}\r\n" + body + "\r\n";
  Parser p;
  std::string_view v(in);
  size_t data = 0, most = 0;
  while (!v.empty()) {
    std::string_view piece = v.substr(0, 1000);
    v.remove_prefix(piece.size());
    while (!piece.empty()) {
      ParseEvent ev = p.feed(&piece);
      if (ev.kind == ParseEvent::Kind::message_data) data += ev.data.size();
      most = std::max(most, p.buffered());
      if (ev.kind == ParseEvent::Kind::need_more) break;
    }
  }
  CHECK(data == body.size());
  CHECK(most < 100);
}

TEST_CASE("a synchronising message literal waits for accept or reject") {
  Parser p;
  std::string_view in = "a APPEND INBOX {5}\r\n";
  ParseEvent ev = p.feed(&in);
  REQUIRE(ev.kind == ParseEvent::Kind::message_start);
  CHECK(ev.literal_size == 5);
  // Rejected (the server answered NO instead of "+"): the client sends no
  // literal, so the next line is a command.
  p.reject_message();
  std::string_view next = "b NOOP\r\n";
  CHECK(describe(p.feed(&next)) == "b NOOP");
  // Accepted: the bytes are message data even if they look like a command.
  in = "c APPEND INBOX {8}\r\n";
  REQUIRE(p.feed(&in).kind == ParseEvent::Kind::message_start);
  p.accept_message();
  next = "d NOOP\r\n\r\n";
  CHECK(describe(p.feed(&next)) == "DATA d NOOP\r\n");
  CHECK(describe(p.feed(&next)) == "END");
}

TEST_CASE("APPEND errors: too big, bad arguments, extra arguments, literal8") {
  ParserLimits l;
  l.max_literal = 100;
  // RFC 7889: a synchronising literal above the limit is refused with NO [TOOBIG].
  CHECK(feed_every_way("a APPEND INBOX {101}\r\nb NOOP\r\n", l) == V{"NO a [TOOBIG] Message too big", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX {101+}\r\n" + std::string(101, 'x') + "\r\n", l) ==
        V{"FATAL a [TOOBIG] Message too big"});
  // A malformed head: BAD before the literal; a LITERAL+ message is skipped.
  CHECK(feed_every_way("a APPEND INBOX (\\Recent) {5}\r\nb NOOP\r\n") == V{"BAD a \\Recent cannot be stored", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX (\\Bogus) {5+}\r\nhello\r\nb NOOP\r\n") ==
        V{"BAD a Invalid system flag \\Bogus", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX \"31-Feb-2020 00:00:00 +0000\" {5+}\r\nhello\r\nb NOOP\r\n") ==
        V{"BAD a Invalid date-time", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX (\\Seen) (\\Seen) {1+}\r\nx\r\nb NOOP\r\n") ==
        V{"BAD a Invalid APPEND arguments", "b NOOP"});
  // Only CRLF or another message (RFC 3502, multiappend_test.cc) may follow the message.
  CHECK(feed_every_way("a APPEND INBOX {2}\r\nhi extra\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () {2}", "DATA hi", "BAD a Unexpected arguments after the message", "b NOOP"});
  // APPEND without a literal message.
  CHECK(feed_every_way("a APPEND INBOX hello\r\n") == V{"BAD a APPEND needs the message as a literal"});
}

TEST_CASE("LITERAL- bounds non-synchronising literals (RFC 7888 §4)") {
  ParserLimits l;
  l.max_nonsync_literal = 4096;
  CHECK(feed_all("a APPEND INBOX {4096+}\r\n" + std::string(4096, 'x') + "\r\n", l) ==
        V{"START a APPEND [INBOX] () {4096+}", "DATA " + std::string(4096, 'x'), "END"});
  CHECK(feed_all("a APPEND INBOX {4097+}\r\n" + std::string(4097, 'x') + "\r\n", l) ==
        V{"FATAL a [TOOBIG] Non-synchronizing literal too big"});
  // A synchronising literal of any size is fine.
  CHECK(feed_all("a APPEND INBOX {5000}\r\n", l) == V{"START a APPEND [INBOX] () {5000}"});
}

TEST_CASE("mid_command holds from a command's first byte to its end, literals and message included") {
  // Byte at a time: the connection acknowledges at once while this is true
  // (server/connection.cc ack_now), so it must be false between commands.
  const std::string in = "a NOOP\r\nb APPEND INBOX {5+}\r\nhello\r\nc LOGIN {3+}\r\nabc x\r\n";
  const std::vector<size_t> ends = {8, 36, 57};  // offsets just past each command's CRLF
  Parser p;
  CHECK_FALSE(p.mid_command());
  for (size_t i = 0; i < in.size(); ++i) {
    std::string_view piece(in.data() + i, 1);
    while (!piece.empty()) {
      if (p.feed(&piece).kind == ParseEvent::Kind::need_more) break;
    }
    const bool boundary = std::find(ends.begin(), ends.end(), i + 1) != ends.end();
    CHECK_MESSAGE(p.mid_command() == !boundary, "after byte " << i + 1);
  }
}

}  // namespace protocol_imap_append_stream_test

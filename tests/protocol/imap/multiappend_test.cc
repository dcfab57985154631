// RFC 3502 MULTIAPPEND framing: every message of one APPEND is streamed on
// its own (message_start with a rising index, its data), message_end comes
// once after the last, whatever the split of the input; the limits on the
// count and the total size of the messages refuse the whole command.
#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_multiappend_test {

using namespace loft::proto::imap;
using namespace loft::proto::imap::test;
using V = std::vector<std::string>;

TEST_CASE("MULTIAPPEND streams each message with its own flags and date") {
  CHECK(feed_every_way("a APPEND INBOX (\\Seen) {2+}\r\nhi (\\Flagged $X) \"17-Jul-1996 02:44:25 -0700\" {3+}\r\nabc"
                       " {0+}\r\n {1+}\r\nz\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] (\\Seen) {2+}", "DATA hi",
          "START a APPEND [INBOX] (\\Flagged $X) date=837596665/-420 #1 {3+}", "DATA abc",
          "START a APPEND [INBOX] () #2 {0+}", "START a APPEND [INBOX] () #3 {1+}", "DATA z", "END", "b NOOP"});
}

TEST_CASE("a synchronising later message waits for accept or reject") {
  Parser p;
  std::string_view in = "a APPEND INBOX {2}\r\n";
  REQUIRE(p.feed(&in).kind == ParseEvent::Kind::message_start);
  p.accept_message();
  in = "hi {3}\r\n";
  CHECK(describe(p.feed(&in)) == "DATA hi");
  ParseEvent ev = p.feed(&in);
  REQUIRE(ev.kind == ParseEvent::Kind::message_start);
  CHECK(std::get<CmdAppend>(ev.command->body).index == 1);
  // Refused (NO instead of "+"): the client sends no literal, the command
  // is over and the next line is a command.
  p.reject_message();
  in = "b NOOP\r\n";
  CHECK(describe(p.feed(&in)) == "b NOOP");
}

TEST_CASE("MULTIAPPEND errors refuse the whole command") {
  // A malformed group after a message: BAD, its LITERAL+ bytes skipped.
  CHECK(feed_every_way("a APPEND INBOX {2+}\r\nhi (\\Recent) {3+}\r\nabc\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () {2+}", "DATA hi", "BAD a \\Recent cannot be stored", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX {2+}\r\nhi{3+}\r\nabc\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () {2+}", "DATA hi", "BAD a Missing argument", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX {2}\r\nhi INBOX {3}\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () {2}", "DATA hi", "BAD a Invalid APPEND arguments", "b NOOP"});
}

TEST_CASE("MULTIAPPEND limits: messages per command and their total size") {
  ParserLimits l;
  l.max_append_messages = 2;
  // The third message is refused (NO [LIMIT]); a synchronising one is never sent.
  CHECK(feed_every_way("a APPEND INBOX {1+}\r\nx {1+}\r\ny {1}\r\nb NOOP\r\n", l) ==
        V{"START a APPEND [INBOX] () {1+}", "DATA x", "START a APPEND [INBOX] () #1 {1+}", "DATA y",
          "NO a [LIMIT] Too many messages in one APPEND", "b NOOP"});
  // A LITERAL+ one is on its way: skipped, with any further group of its line.
  CHECK(feed_every_way("a APPEND INBOX {1+}\r\nx {1+}\r\ny {1+}\r\nz {2+}\r\nzz\r\nb NOOP\r\n", l) ==
        V{"START a APPEND [INBOX] () {1+}", "DATA x", "START a APPEND [INBOX] () #1 {1+}", "DATA y",
          "NO a [LIMIT] Too many messages in one APPEND", "b NOOP"});
  ParserLimits t;
  t.max_literal = 10;
  t.max_append_total = 12;
  CHECK(feed_every_way("a APPEND INBOX {6}\r\n123456 {6}\r\n123456\r\nb APPEND INBOX {6+}\r\n123456 {7}\r\nc NOOP\r\n", t) ==
        V{"START a APPEND [INBOX] () {6}", "DATA 123456", "START a APPEND [INBOX] () #1 {6}", "DATA 123456", "END",
          "START b APPEND [INBOX] () {6+}", "DATA 123456",
          "NO b [TOOBIG] The messages of this APPEND are too big together", "c NOOP"});
  // Above max_literal, a LITERAL+ message cannot be skipped safely: fatal.
  CHECK(feed_every_way("a APPEND INBOX {6+}\r\n123456 {11+}\r\n" + std::string(11, 'x') + "\r\n", t) ==
        V{"START a APPEND [INBOX] () {6+}", "DATA 123456", "FATAL a [TOOBIG] Message too big"});
}

TEST_CASE("REPLACE and UID REPLACE stream their one message (RFC 8508)") {
  CHECK(feed_every_way("a REPLACE 3 Drafts (\\Draft) {5+}\r\nhello\r\nb UID REPLACE 42 {6}\r\nIN BOX {2+}\r\nhi\r\n") ==
        V{"START a APPEND [Drafts] (\\Draft) replace=3 {5+}", "DATA hello", "END", "+6",
          "START b APPEND [IN BOX] () uid-replace=42 {2+}", "DATA hi", "END"});
  CHECK(feed_every_way("a replace * Drafts {1+}\r\nx\r\n") ==
        V{"START a APPEND [Drafts] () replace=4294967295 {1+}", "DATA x", "END"});
  // One message only: no MULTIAPPEND groups after it.
  CHECK(feed_every_way("a REPLACE 1 Drafts {1+}\r\nx {1+}\r\ny\r\nb NOOP\r\n") ==
        V{"START a APPEND [Drafts] () replace=1 {1+}", "DATA x", "BAD a Unexpected arguments after the message",
          "b NOOP"});
  // The number: a seq-number for REPLACE, an nz-number for UID REPLACE.
  CHECK(feed_every_way("a REPLACE 0 Drafts {1+}\r\nx\r\nb NOOP\r\n") == V{"BAD a Invalid sequence number", "b NOOP"});
  CHECK(feed_every_way("a UID REPLACE * Drafts {1+}\r\nx\r\nb NOOP\r\n") == V{"BAD a Invalid UID", "b NOOP"});
  CHECK(feed_every_way("a REPLACE 1,2 Drafts {1}\r\nb NOOP\r\n") == V{"BAD a Invalid sequence number", "b NOOP"});
}

}  // namespace protocol_imap_multiappend_test

// parse_command: tags, command names and the arguments of each command.
#include <doctest/doctest.h>

#include "imap_test_util.h"
#include "protocol/imap/command_table.h"

namespace protocol_imap_parse_command_test {

using loft::proto::imap::CmdLogin;
using loft::proto::imap::ParserLimits;
using loft::proto::imap::parse_command;
using loft::proto::imap::test::parse;
using namespace std::literals;
using loft::proto::imap::command_info;
using loft::proto::imap::kAuthenticated;
using loft::proto::imap::kSelected;
using loft::proto::imap::SeqSet;

TEST_CASE("commands without arguments parse, in any case") {
  CHECK(parse("a1 CAPABILITY") == "a1 CAPABILITY");
  CHECK(parse("a2 noop") == "a2 NOOP");
  CHECK(parse("a3 LogOut") == "a3 LOGOUT");
  CHECK(parse("a4 STARTTLS") == "a4 STARTTLS");
}

TEST_CASE("commands without arguments reject extra arguments") {
  CHECK(parse("a1 CAPABILITY now") == "BAD a1 Unexpected extra arguments");
  CHECK(parse("a1 NOOP ") == "BAD a1 Unexpected extra arguments");
  CHECK(parse("a1 LOGOUT x") == "BAD a1 Unexpected extra arguments");
}

TEST_CASE("AUTHENTICATE takes a mechanism and an optional SASL-IR response") {
  CHECK(parse("a AUTHENTICATE plain") == "a AUTHENTICATE PLAIN");
  CHECK(parse("a AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==") == "a AUTHENTICATE PLAIN ir=AGFsaWNlAHNlY3JldA==");
  CHECK(parse("a AUTHENTICATE EXTERNAL =") == "a AUTHENTICATE EXTERNAL ir==");
  CHECK(parse("a AUTHENTICATE SCRAM-SHA-256") == "a AUTHENTICATE SCRAM-SHA-256");
  CHECK(parse("a AUTHENTICATE") == "BAD a Missing argument");
  CHECK(parse("a AUTHENTICATE PLAIN a b") == "BAD a Unexpected extra arguments");
  CHECK(parse("a AUTHENTICATE PLAIN \"x\"") == "BAD a Invalid initial response");
}

TEST_CASE("LOGIN takes two astrings: atoms, quoted strings or literals") {
  CHECK(parse("a LOGIN alice secret") == "a LOGIN [alice] [secret]");
  CHECK(parse("a LOGIN \"al ice\" \"se\\\"c\\\\ret\"") == "a LOGIN [al ice] [se\"c\\ret]");
  CHECK(parse("a LOGIN {5}\r\nalice {3+}\r\n1 2") == "a LOGIN [alice] [1 2]");
  CHECK(parse("a LOGIN bob] \"\"") == "a LOGIN [bob]] []");
  CHECK(parse("a LOGIN \"caf\xc3\xa9\" x") == "a LOGIN [caf\xc3\xa9] [x]");
  CHECK(parse("a LOGIN alice") == "BAD a Missing argument");
  CHECK(parse("a LOGIN alice  secret") == "BAD a Invalid string");
  CHECK(parse("a LOGIN alice secret extra") == "BAD a Unexpected extra arguments");
  CHECK(parse("a LOGIN (alice) secret") == "BAD a Invalid string");
  CHECK(parse("a LOGIN \"al\\ice\" x") == "BAD a Invalid escape in quoted string");
  CHECK(parse("a LOGIN \"alice x") == "BAD a Unterminated quoted string");
  CHECK(parse("a LOGIN ~{3}\r\nabc x") == "BAD a Literal8 not allowed here");
  CHECK(parse("a LOGIN {9}\r\nabc x") == "BAD a Truncated literal");
  CHECK(parse("a LOGIN {3}\r\na\0c x"sv) == "BAD a NUL in literal");
  CHECK(parse("a LOGIN {3}abc x") == "BAD a Invalid literal");
  CHECK(parse("a LOGIN {}\r\n x") == "BAD a Invalid literal");
}

TEST_CASE("a literal may hold CR LF and other bytes a quoted string cannot") {
  auto r = parse_command("t LOGIN {4}\r\na\r\nb {2}\r\n\"\\", ParserLimits{});
  REQUIRE(r.command);
  const auto& login = std::get<CmdLogin>(r.command->body);
  CHECK(login.user == "a\r\nb");
  CHECK(login.password == "\"\\");
}

TEST_CASE("SELECT and EXAMINE take a mailbox as sent") {
  CHECK(parse("s SELECT INBOX") == "s SELECT [INBOX]");
  CHECK(parse("s select inbox") == "s SELECT [inbox]");
  CHECK(parse("s EXAMINE \"Sent Items\"") == "s EXAMINE [Sent Items]");
  CHECK(parse("s SELECT &AMk-t&AOk-") == "s SELECT [&AMk-t&AOk-]");
  CHECK(parse("s SELECT {3}\r\nfoo") == "s SELECT [foo]");
  CHECK(parse("s SELECT") == "BAD s Missing argument");
  CHECK(parse("s SELECT a b") == "BAD s Unexpected extra arguments");
  CHECK(parse("s SELECT a%") == "BAD s Unexpected extra arguments");
}

TEST_CASE("FETCH and UID FETCH take a sequence set and items") {
  CHECK(parse("f FETCH 1:* FLAGS") == "f FETCH 1:* (FLAGS)");
  CHECK(parse("f UID FETCH 4:2,7 (UID FLAGS)") == "f UID FETCH 4:2,7 (UID FLAGS)");
  CHECK(parse("f uid fetch * uid") == "f UID FETCH * (UID)");
  CHECK(parse("f FETCH 0 FLAGS") == "BAD f Invalid sequence set");
  CHECK(parse("f FETCH 1:x FLAGS") == "BAD f Invalid sequence set");
  CHECK(parse("f FETCH 1,2x FLAGS") == "BAD f Expected a single space");
  CHECK(parse("f FETCH FLAGS") == "BAD f Invalid sequence set");
  CHECK(parse("f FETCH 1") == "BAD f Missing argument");
  CHECK(parse("f FETCH 1 FLAGS extra") == "BAD f Unexpected extra arguments");
  CHECK(parse("f UID BOGUS 1 FLAGS") == "BAD f Unknown command");
  CHECK(parse("f UID") == "BAD f Missing argument");
}

TEST_CASE("tags are ASTRING-CHARs except plus; bad tags answer with a star") {
  CHECK(parse("A001 NOOP") == "A001 NOOP");
  CHECK(parse("a]b NOOP") == "a]b NOOP");
  CHECK(parse("") == "BAD * Empty command line");
  CHECK(parse(" NOOP") == "BAD * Invalid tag");
  CHECK(parse("a+b NOOP") == "BAD * Invalid tag");
  CHECK(parse("+ NOOP") == "BAD * Invalid tag");
  CHECK(parse("a*b NOOP") == "BAD * Invalid tag");
  CHECK(parse("a\"b NOOP") == "BAD * Invalid tag");
  CHECK(parse("a(b NOOP") == "BAD * Invalid tag");
  CHECK(parse("a{b NOOP") == "BAD * Invalid tag");
  CHECK(parse("\x80 NOOP") == "BAD * Invalid tag");
  CHECK(parse("tag") == "BAD tag Missing command");
  CHECK(parse("tag ") == "BAD tag Missing argument");
  CHECK(parse("tag  NOOP") == "BAD tag Invalid atom");
}

TEST_CASE("unknown commands are a non-fatal error with a sendable message") {
  auto r = parse_command("x1 FROBNICATE 1 2", ParserLimits{});
  CHECK_FALSE(r.command);
  CHECK(r.error.tag == "x1");
  CHECK(r.error.message == "Unknown command");
  CHECK_FALSE(r.error.fatal);
  CHECK(parse("x2 SELECTX a") == "BAD x2 Unknown command");
}

TEST_CASE("a successful parse leaves the error empty") {
  auto r = parse_command("ok NOOP", ParserLimits{});
  REQUIRE(r.command);
  CHECK(r.command->tag == "ok");
  CHECK(r.error.tag.empty());
  CHECK(r.error.message.empty());
}

TEST_CASE("COMPRESS takes one mechanism atom, upper-cased (RFC 4978 §5)") {
  CHECK(parse("c COMPRESS DEFLATE") == "c COMPRESS DEFLATE");
  CHECK(parse("c compress deflate") == "c COMPRESS DEFLATE");
  CHECK(parse("c COMPRESS LZW") == "c COMPRESS LZW");  // the server answers BAD
  CHECK(parse("c COMPRESS") == "BAD c Missing argument");
  CHECK(parse("c COMPRESS DEFLATE extra") == "BAD c Unexpected extra arguments");
  CHECK(parse("c COMPRESS \"DEFLATE\"") != "c COMPRESS DEFLATE");
}

TEST_CASE("IDLE takes no argument, and is valid after login only (RFC 2177)") {
  CHECK(parse("i IDLE") == "i IDLE");
  CHECK(parse("i idle") == "i IDLE");
  CHECK(parse("i IDLE now") != "i IDLE");
  auto r = parse_command("i IDLE", ParserLimits{});
  REQUIRE(r.command);
  const auto& info = command_info(r.command->body);
  CHECK(info.states == (kAuthenticated | kSelected));
  CHECK_FALSE(info.uses_msn);
}

TEST_CASE("a sequence set over the range bound gets a clear LIMIT answer") {
  std::string set = "1";
  for (size_t i = 0; i < SeqSet::kMaxRanges; ++i) set += "," + std::to_string(i + 2);
  CHECK(parse("f FETCH " + set + " FLAGS") == "BAD f [LIMIT] Too many ranges in the sequence set");
  CHECK(parse("f FETCH 1,,2 FLAGS") == "BAD f Invalid sequence set");
}

}  // namespace protocol_imap_parse_command_test

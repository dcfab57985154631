// LMTP parse_command: every verb, paths, parameters and syntax errors.
#include <doctest/doctest.h>

#include <string>

#include "protocol/lmtp/command.h"

namespace protocol_lmtp_command_test {

using namespace loft::proto::lmtp;
using loft::Errc;

namespace {

Command ok(const std::string& line) {
  auto r = parse_command(line);
  INFO(line);
  REQUIRE(r.ok());
  return *r;
}

void bad(const std::string& line) {
  auto r = parse_command(line);
  INFO(line);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::bad_input);
  CHECK_FALSE(r.error().message.empty());
}

}  // namespace

TEST_CASE("lmtp command: simple verbs, case-insensitive") {
  CHECK(ok("LHLO mx.example.org").verb == Verb::lhlo);
  CHECK(ok("lhlo mx.example.org").argument == "mx.example.org");
  CHECK(ok("LHLO [127.0.0.1]").argument == "[127.0.0.1]");
  CHECK(ok("DATA").verb == Verb::data);
  CHECK(ok("data").verb == Verb::data);
  CHECK(ok("RSET").verb == Verb::rset);
  CHECK(ok("Quit").verb == Verb::quit);
  CHECK(ok("QUIT ").verb == Verb::quit);  // trailing blanks tolerated
  CHECK(ok("NOOP").argument.empty());
  CHECK(ok("NOOP hello there").argument == "hello there");
  CHECK(ok("HELP").verb == Verb::help);
  CHECK(ok("HELP DATA").argument == "DATA");
  CHECK(ok("VRFY alice").argument == "alice");
  CHECK(ok("vrfy alice").verb == Verb::vrfy);
  CHECK(ok("HELO x").verb == Verb::helo);
  CHECK(ok("EHLO x").verb == Verb::ehlo);
  CHECK(ok("ehlo").verb == Verb::ehlo);
  CHECK(std::string(verb_name(Verb::rcpt)) == "RCPT");
}

TEST_CASE("lmtp command: MAIL FROM") {
  Command c = ok("MAIL FROM:<bob@example.com>");
  CHECK(c.verb == Verb::mail);
  CHECK(c.path == "bob@example.com");
  CHECK_FALSE(c.size);
  CHECK(c.body == Body::unspecified);
  CHECK(ok("mail from:<>").path.empty());
  CHECK(ok("MAIL FROM: <bob@example.com>").path == "bob@example.com");  // common leniency
  CHECK(ok("MAIL FROM:<@relay.example,@b.example:bob@example.com>").path == "bob@example.com");
  CHECK(ok("MAIL FROM:<\"john doe\"@example.com>").path == "\"john doe\"@example.com");
  CHECK(ok("MAIL FROM:<\"a>b@c\"@example.com>").path == "\"a>b@c\"@example.com");
  CHECK(ok("MAIL FROM:<x@[192.0.2.1]>").path == "x@[192.0.2.1]");
  CHECK(ok("MAIL FROM:<x@[IPv6:2001:db8::1]>").path == "x@[IPv6:2001:db8::1]");

  c = ok("MAIL FROM:<a@b.c> SIZE=12345 BODY=8BITMIME");
  REQUIRE(c.size);
  CHECK(*c.size == 12345);
  CHECK(c.body == Body::eight_bit_mime);
  c = ok("MAIL FROM:<> body=7bit size=0");
  CHECK(c.body == Body::seven_bit);
  CHECK(*c.size == 0);
  c = ok("MAIL FROM:<a@b.c>  SIZE=1   RET=HDRS ENVID=x+2Dy SMTPUTF8");
  REQUIRE(c.other_params.size() == 2);  // SMTPUTF8 is understood (RFC 6531)
  CHECK(c.other_params[0].keyword == "RET");
  CHECK(c.other_params[0].value == "HDRS");
  CHECK(c.other_params[1].keyword == "ENVID");
  CHECK(c.smtputf8);
}

TEST_CASE("lmtp command: RCPT TO") {
  Command c = ok("RCPT TO:<Alice@Example.ORG>");
  CHECK(c.verb == Verb::rcpt);
  CHECK(c.path == "Alice@Example.ORG");
  CHECK(ok("rcpt to:<postmaster>").path == "postmaster");
  CHECK(ok("RCPT TO:<alice>").path == "alice");
  c = ok("RCPT TO:<a@b.c> NOTIFY=NEVER");
  REQUIRE(c.other_params.size() == 1);
  CHECK(c.other_params[0].keyword == "NOTIFY");
  // SIZE/BODY belong to MAIL only: on RCPT they are just unknown parameters.
  CHECK(ok("RCPT TO:<a@b.c> SIZE=1").other_params.size() == 1);
}

TEST_CASE("lmtp command: syntax errors") {
  bad("");
  bad("FOO");
  bad("DATAX");
  bad("MAILFROM:<a@b>");
  bad("LHLO");
  bad("LHLO a b");
  bad("VRFY");
  bad("DATA now");
  bad("RSET x");
  bad("QUIT please");
  bad("MAIL");
  bad("MAIL TO:<a@b.c>");
  bad("MAIL FROM:a@b.c");
  bad("MAIL FROM:<a@b.c");
  bad("MAIL FROM:<a@b.c>SIZE=1");
  bad("MAIL FROM:<a b@c.d>");
  bad("MAIL FROM:<@c.d>");
  bad("MAIL FROM:<a@>");
  bad("MAIL FROM:<a@-x.org>");
  bad("MAIL FROM:<a@x..org>");
  bad("MAIL FROM:<\"unterminated@x.org>");
  bad("MAIL FROM:<a@b.c> SIZE=");
  bad("MAIL FROM:<a@b.c> SIZE=12x");
  bad("MAIL FROM:<a@b.c> SIZE=-1");
  bad("MAIL FROM:<a@b.c> SIZE=1 SIZE=2");
  bad("MAIL FROM:<a@b.c> SIZE=123456789012345678901");
  bad("MAIL FROM:<a@b.c> BODY=BINARY");
  bad("MAIL FROM:<a@b.c> =x");
  bad("MAIL FROM:<a@b.c> -X=1");
  bad("RCPT TO:<>");
  bad("RCPT FROM:<a@b.c>");
  bad("RCPT TO:");
}

TEST_CASE("lmtp command: peek_verb separates unknown verbs from bad arguments") {
  CHECK_FALSE(peek_verb("FOO bar"));
  CHECK_FALSE(peek_verb(""));
  CHECK(peek_verb("mail FROM:broken") == Verb::mail);
  CHECK(peek_verb("DATA x") == Verb::data);
}

TEST_CASE("lmtp command: mailbox syntax") {
  CHECK(valid_mailbox("a.b+c@example.org"));
  CHECK(valid_mailbox("\"a\\\"b\"@example.org"));
  CHECK(valid_mailbox("postmaster"));
  CHECK(valid_mailbox("x@localhost"));
  CHECK_FALSE(valid_mailbox(""));
  CHECK_FALSE(valid_mailbox("a@b@c"));
  CHECK_FALSE(valid_mailbox("a@[]"));
  CHECK_FALSE(valid_mailbox("a@x-.org"));
  CHECK_FALSE(valid_mailbox("a\x01@x.org"));
}

}  // namespace protocol_lmtp_command_test

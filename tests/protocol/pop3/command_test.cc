// POP3 command parsing: every verb, case, arguments, bounds, errors.
#include <doctest/doctest.h>

#include <string>

#include "protocol/pop3/command.h"

namespace protocol_pop3_command_test {

using namespace loft;
using namespace loft::proto::pop3;

namespace {
Command parse_ok(const std::string& line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(r.ok(), line, ": ", (r.ok() ? "" : r.error().message));
  return *r;
}

std::string parse_err(const std::string& line) {
  auto r = parse_command(line);
  REQUIRE_MESSAGE(!r.ok(), line);
  CHECK(r.error().code == Errc::bad_input);
  return r.error().message;
}
}  // namespace

TEST_CASE("pop3 parse: verbs without arguments, any case") {
  struct Case {
    const char* line;
    Verb verb;
  } cases[] = {{"STAT", Verb::stat}, {"stat", Verb::stat}, {"NoOp", Verb::noop}, {"RSET", Verb::rset},
               {"quit", Verb::quit}, {"CAPA", Verb::capa}, {"stls", Verb::stls}, {"LIST", Verb::list},
               {"uidl", Verb::uidl}, {"AUTH", Verb::auth}, {"QUIT ", Verb::quit}};
  for (const auto& c : cases) {
    Command cmd = parse_ok(c.line);
    CHECK(cmd.verb == c.verb);
    CHECK(!cmd.msg);
  }
  CHECK(std::string(verb_name(Verb::retr)) == "RETR");
  CHECK(std::string(verb_name(Verb::top)) == "TOP");
}

TEST_CASE("pop3 parse: USER and PASS") {
  Command u = parse_ok("USER alice@example.org");
  CHECK(u.verb == Verb::user);
  CHECK(u.arg == "alice@example.org");
  CHECK(parse_ok("user  Bob ").arg == "Bob");  // lenient spacing, case kept

  // RFC 1939 §7: the password is the rest of the line, spaces and all.
  Command p = parse_ok("PASS secret with  spaces ");
  CHECK(p.verb == Verb::pass);
  CHECK(p.arg == "secret with  spaces ");
  CHECK(parse_ok("pass x").arg == "x");

  CHECK(parse_err("USER") == "USER: missing argument.");
  CHECK(parse_err("USER a b") == "USER: too many arguments.");
  CHECK(parse_err("PASS") == "PASS needs a password.");
  CHECK(parse_err("PASS ") == "PASS needs a password.");
  CHECK(parse_err("USER " + std::string(kMaxUserLength + 1, 'u')) == "User name too long.");
  CHECK(parse_ok("USER " + std::string(kMaxUserLength, 'u')).arg.size() == kMaxUserLength);
  CHECK(parse_err("PASS " + std::string(kMaxPasswordLength + 1, 'p')) == "Password too long.");
  CHECK(parse_err(std::string("USER a\x01" "b")) == "Invalid user name.");
}

TEST_CASE("pop3 parse: message numbers") {
  CHECK(*parse_ok("RETR 1").msg == 1);
  CHECK(*parse_ok("dele 42").msg == 42);
  CHECK(*parse_ok("LIST 7").msg == 7);
  CHECK(*parse_ok("UIDL 3").msg == 3);
  CHECK(*parse_ok("RETR 0").msg == 0);  // syntactically fine; "no such message"
  CHECK(*parse_ok("RETR 007").msg == 7);
  CHECK(*parse_ok("RETR 4294967295").msg == UINT32_MAX);
  CHECK(*parse_ok("RETR 99999999999999").msg == UINT32_MAX);  // saturates

  CHECK(parse_err("RETR") == "RETR: missing argument.");
  CHECK(parse_err("RETR 1 2") == "RETR: too many arguments.");
  CHECK(parse_err("DELE -1") == "Invalid message number.");
  CHECK(parse_err("DELE +1") == "Invalid message number.");
  CHECK(parse_err("LIST x") == "Invalid message number.");
  CHECK(parse_err("LIST 1 2") == "LIST: too many arguments.");
  CHECK(parse_err("RETR 1x") == "Invalid message number.");
  CHECK(parse_err("RETR " + std::string(21, '1')) == "Invalid message number.");
  CHECK(parse_err("STAT 1") == "STAT: too many arguments.");
  CHECK(parse_err("NOOP x") == "NOOP: too many arguments.");
}

TEST_CASE("pop3 parse: TOP") {
  Command t = parse_ok("TOP 2 10");
  CHECK(t.verb == Verb::top);
  CHECK(*t.msg == 2);
  CHECK(t.lines == 10);
  CHECK(parse_ok("top 1 0").lines == 0);
  CHECK(parse_ok("TOP 1 123456789012").lines == UINT32_MAX);
  CHECK(parse_err("TOP 1") == "TOP: missing argument.");
  CHECK(parse_err("TOP 1 2 3") == "TOP: too many arguments.");
  CHECK(parse_err("TOP 1 -2") == "Invalid number of lines.");
  CHECK(parse_err("TOP a 2") == "Invalid message number.");
}

TEST_CASE("pop3 parse: AUTH (RFC 5034)") {
  Command bare = parse_ok("AUTH");
  CHECK(bare.verb == Verb::auth);
  CHECK(bare.arg.empty());
  Command plain = parse_ok("auth plain");
  CHECK(plain.arg == "PLAIN");
  CHECK(!plain.initial_response);
  Command ir = parse_ok("AUTH PLAIN AGFsaWNlAHB3");
  CHECK(ir.initial_response == std::optional<std::string>("AGFsaWNlAHB3"));
  CHECK(parse_ok("AUTH PLAIN =").initial_response == std::optional<std::string>("="));
  CHECK(parse_err("AUTH PLAIN a b") == "AUTH: too many arguments.");
  CHECK(parse_err("AUTH " + std::string(kMaxMechanismLength + 1, 'X')) == "Unsupported authentication mechanism.");
  CHECK(parse_err("AUTH PLAIN " + std::string(kMaxSaslResponseLength + 1, 'A')) == "Initial response too long.");
}

TEST_CASE("pop3 parse: APOP is recognised (so that it can be refused)") {
  CHECK(parse_ok("APOP mrose c4c9334bac560ecc979e58001b3e22fb").verb == Verb::apop);
  CHECK(parse_err("APOP mrose") == "APOP: missing argument.");
}

TEST_CASE("pop3 parse: unknown and empty commands") {
  CHECK(parse_err("") == "Empty command.");
  CHECK(parse_err(" STAT") == "Empty command.");
  CHECK(parse_err("FOO") == "Unknown command.");
  CHECK(parse_err("STATX") == "Unknown command.");
  CHECK(parse_err("RET 1") == "Unknown command.");
  CHECK(parse_err("STARTTLS") == "Unknown command.");
  CHECK(parse_err(std::string("ST\0T", 4)) == "Unknown command.");
}

}  // namespace protocol_pop3_command_test

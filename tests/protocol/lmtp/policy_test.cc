// LMTP delivery policy codecs: BDAT / BINARYMIME / SMTPUTF8 parsing, +detail
// splitting, the aliases file and the trace header fields.
#include <doctest/doctest.h>

#include <string>

#include "protocol/lmtp/address.h"
#include "protocol/lmtp/aliases.h"
#include "protocol/lmtp/command.h"
#include "protocol/lmtp/trace.h"

namespace protocol_lmtp_policy_test {

using namespace loft::proto::lmtp;

TEST_CASE("lmtp command: BDAT takes a size and an optional LAST (RFC 3030 §2)") {
  auto a = parse_command("BDAT 1000");
  REQUIRE(a.ok());
  CHECK(a->verb == Verb::bdat);
  CHECK(a->chunk_size == 1000);
  CHECK_FALSE(a->last);
  auto b = parse_command("bdat 0 last");
  REQUIRE(b.ok());
  CHECK(b->chunk_size == 0);
  CHECK(b->last);
  CHECK_FALSE(parse_command("BDAT").ok());
  CHECK_FALSE(parse_command("BDAT x").ok());
  CHECK_FALSE(parse_command("BDAT 10 FIRST").ok());
  CHECK_FALSE(parse_command("BDAT -1").ok());
}

TEST_CASE("lmtp command: MAIL takes BODY=BINARYMIME and SMTPUTF8") {
  auto m = parse_command("MAIL FROM:<j\xC3\xB6rg@example.com> BODY=BINARYMIME SMTPUTF8");
  REQUIRE(m.ok());
  CHECK(m->body == Body::binary_mime);
  CHECK(m->smtputf8);
  CHECK(m->other_params.empty());
  CHECK_FALSE(parse_command("MAIL FROM:<a@b> SMTPUTF8=yes").ok());
  CHECK_FALSE(parse_command("RCPT TO:<a@b> SMTPUTF8").value().smtputf8);  // MAIL only
}

TEST_CASE("address: +detail splits at the first configured separator, case kept in the detail") {
  Address a = split_address("Alice+Lists-x@Example.org");
  LocalPart p = split_detail(a, "+-");
  CHECK(p.has_detail);
  CHECK(p.user == "alice");
  CHECK(p.detail == "Lists-x");
  CHECK_FALSE(split_detail(a, "").has_detail);
  CHECK(split_detail(split_address("+x@example.org"), "+").user == "+x");
  CHECK_FALSE(split_detail(split_address("bob@example.org"), "+").has_detail);
  CHECK(split_detail(split_address("bob-@example.org"), "-").detail.empty());
}

TEST_CASE("aliases: names, full addresses, several targets, comments; errors name the line") {
  auto t = Aliases::parse("# c\n\nPostmaster: Alice\nteam@example.org: alice , bob # trailing\r\n");
  REQUIRE(t.ok());
  CHECK(t->size() == 2);
  const auto* pm = t->find(split_address("postmaster@any.example"));
  REQUIRE(pm);
  CHECK(*pm == std::vector<std::string>{"alice"});
  const auto* team = t->find(split_address("TEAM@example.org"));
  REQUIRE(team);
  CHECK(*team == std::vector<std::string>{"alice", "bob"});
  CHECK(t->find(split_address("team@other.example")) == nullptr);  // a full address is that domain only
  auto bad = Aliases::parse("ok: a\nbroken line\n");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("line 2") != std::string::npos);
  CHECK_FALSE(Aliases::parse("a: b,\n").ok());
  CHECK_FALSE(Aliases::parse("a: b\nA: c\n").ok());
}

TEST_CASE("trace headers: Dovecot's order and folding; Delivered-To and for only with one recipient") {
  TraceInfo t;
  t.reverse_path = "s@example.com";
  t.lhlo = "mx.example.org";
  t.peer_ip = "127.0.0.1";
  t.hostname = "mail.example.org";
  t.id = "abc.1";
  t.recipient = "alice@example.org";
  t.time = 1700000000;
  CHECK(trace_headers(t) ==
        "Return-Path: <s@example.com>\r\n"
        "Delivered-To: alice@example.org\r\n"
        "Received: from mx.example.org ([127.0.0.1])\r\n"
        "\tby mail.example.org with LMTP\r\n"
        "\tid abc.1\r\n"
        "\t(envelope-from <s@example.com>)\r\n"
        "\tfor <alice@example.org>; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
  t.reverse_path.clear();
  t.recipient.clear();
  t.peer_ip.clear();
  t.protocol = "UTF8LMTP";
  CHECK(trace_headers(t) ==
        "Return-Path: <>\r\n"
        "Received: from mx.example.org\r\n"
        "\tby mail.example.org with UTF8LMTP\r\n"
        "\tid abc.1; Tue, 14 Nov 2023 22:13:20 +0000\r\n");
}

}  // namespace protocol_lmtp_policy_test

// LMTP replies and recipient addresses.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/lmtp/address.h"
#include "protocol/lmtp/reply.h"

namespace protocol_lmtp_reply_test {

using namespace loft::proto::lmtp;
using loft::Errc;
using loft::make_error;

TEST_CASE("lmtp reply: single line, enhanced code, no injected line breaks") {
  CHECK(reply(250, "2.1.5", "OK") == "250 2.1.5 OK\r\n");
  CHECK(reply(220, "", "localhost LMTP ready") == "220 localhost LMTP ready\r\n");
  CHECK(reply(354, "", "") == "354 \r\n");
  CHECK(reply(550, "5.1.1", "no\r\nsuch") == "550 5.1.1 no  such\r\n");
}

TEST_CASE("lmtp reply: multi-line and LHLO") {
  CHECK(multiline_reply(250, {"a", "b", "c"}) == "250-a\r\n250-b\r\n250 c\r\n");
  CHECK(multiline_reply(250, {"only"}) == "250 only\r\n");
  CHECK(lhlo_reply("mx.example.org", {"PIPELINING", "ENHANCEDSTATUSCODES", "SIZE 1000"}) ==
        "250-mx.example.org\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE 1000\r\n");
  CHECK(lhlo_reply("h", {}) == "250 h\r\n");
}

TEST_CASE("lmtp reply: errors map to RFC 3463 codes") {
  CHECK(error_reply(make_error(Errc::not_found, "no such user")) == "550 5.1.1 no such user\r\n");
  CHECK(error_reply(make_error(Errc::too_big, "too big")) == "552 5.3.4 too big\r\n");
  CHECK(reply_code_for(Errc::no_quota).code == 552);
  CHECK(reply_code_for(Errc::temp).code == 451);
  CHECK(reply_code_for(Errc::internal).enhanced == std::string("4.3.0"));
  CHECK(syntax_error_reply("FOO", make_error(Errc::bad_input, "unrecognized command")) ==
        "500 5.5.1 unrecognized command\r\n");
  CHECK(syntax_error_reply("MAIL x", make_error(Errc::bad_input, "bad")) == "501 5.5.4 bad\r\n");
}

TEST_CASE("lmtp address: split and lower-case") {
  Address a = split_address("Alice@Example.ORG");
  CHECK(a.local == "alice");
  CHECK(a.domain == "example.org");
  a = split_address("\"John \\\"Q\\\" Doe\"@x.org");
  CHECK(a.local == "john \"q\" doe");
  CHECK(a.domain == "x.org");
  a = split_address("\"a@b\"@c.d");
  CHECK(a.local == "a@b");
  CHECK(a.domain == "c.d");
  a = split_address("Postmaster");
  CHECK(a.local == "postmaster");
  CHECK(a.domain.empty());
  CHECK(split_address("bob@example.org.").domain == "example.org");
}

TEST_CASE("lmtp address: local or not") {
  std::vector<std::string> domains{"localhost", "example.org"};
  CHECK(is_local(split_address("alice"), domains));
  CHECK(is_local(split_address("alice@EXAMPLE.org"), domains));
  CHECK_FALSE(is_local(split_address("alice@example.com"), domains));
  CHECK_FALSE(is_local(split_address("alice@[127.0.0.1]"), domains));
  CHECK(is_local(split_address("alice"), {}));
  CHECK(local_account("Bob@LocalHost", domains) == "bob");
  CHECK_FALSE(local_account("bob@elsewhere.net", domains));
  CHECK_FALSE(local_account("@example.org", domains));
}

}  // namespace protocol_lmtp_reply_test

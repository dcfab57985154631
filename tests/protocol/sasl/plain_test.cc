#include <doctest/doctest.h>

#include "protocol/sasl/plain.h"

namespace protocol_sasl_plain_test {

using namespace loft::proto::sasl;

TEST_CASE("base64 round-trips every length and byte value") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); ++n) {
    std::string in = all.substr(0, n);
    auto back = base64_decode(base64_encode(in));
    REQUIRE(back.has_value());
    CHECK(*back == in);
  }
  CHECK(base64_encode(std::string("\0alice\0secret", 13)) == "AGFsaWNlAHNlY3JldA==");
}

TEST_CASE("malformed base64 is refused") {
  for (const char* bad : {"A", "AB", "ABC", "A===", "AB=C", "====", "AGFs aWNl", "AGFs\r\n", "*", "AB==CD==",
                          "\xff\xff\xff\xff"})
    CHECK_FALSE(base64_decode(bad).has_value());
  CHECK(base64_decode("").value() == "");
}

TEST_CASE("a PLAIN message splits into authzid, authcid and password") {
  auto c = parse_plain(std::string("\0alice\0pass word", 16));
  REQUIRE(c.has_value());
  CHECK(c->authzid.empty());
  CHECK(c->authcid == "alice");
  CHECK(c->password == "pass word");
  CHECK(authorizes_self(*c));
  auto z = parse_plain(std::string("ALICE\0alice\0pw", 14));
  REQUIRE(z.has_value());
  CHECK(authorizes_self(*z));
  auto other = parse_plain(std::string("admin\0alice\0pw", 14));
  REQUIRE(other.has_value());
  CHECK_FALSE(authorizes_self(*other));
}

TEST_CASE("PLAIN messages of the wrong shape are refused") {
  CHECK_FALSE(parse_plain("alice").has_value());
  CHECK_FALSE(parse_plain(std::string("\0alice", 6)).has_value());
  CHECK_FALSE(parse_plain(std::string("\0\0pw", 4)).has_value());
  CHECK_FALSE(parse_plain(std::string("\0alice\0", 7)).has_value());
  CHECK_FALSE(parse_plain(std::string("\0a\0b\0c", 6)).has_value());
}

}  // namespace protocol_sasl_plain_test

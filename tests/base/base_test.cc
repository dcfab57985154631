#include <doctest/doctest.h>

#include "base/bytes.h"
#include "base/password.h"
#include "base/result.h"

namespace base_base_test {

using namespace loft;

TEST_CASE("a password hash is argon2id, salted, and verifies only the right password") {
  auto a = hash_password("correct horse");
  auto b = hash_password("correct horse");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->rfind("$argon2id$", 0) == 0);
  CHECK(*a != *b);  // a fresh salt each time
  CHECK(verify_password(*a, "correct horse"));
  CHECK_FALSE(verify_password(*a, "correct horsE"));
  CHECK_FALSE(verify_password(*a, ""));
  CHECK_FALSE(verify_password("not a hash", "correct horse"));
  CHECK_FALSE(verify_password("", ""));
}

TEST_CASE("passwords with NUL and 8-bit bytes are hashed whole") {
  std::string pw("a\0b\xff", 4);
  auto h = hash_password(pw);
  REQUIRE(h.ok());
  CHECK(verify_password(*h, pw));
  CHECK_FALSE(verify_password(*h, std::string("a", 1)));
}

TEST_CASE("error code names round-trip") {
  for (Errc c : {Errc::temp, Errc::not_found, Errc::exists, Errc::perm, Errc::no_quota, Errc::expunged,
                 Errc::in_use, Errc::limit, Errc::too_big, Errc::bad_input, Errc::internal})
    CHECK(errc_from_name(errc_name(c)) == c);
  CHECK(errc_from_name("nonsense") == Errc::internal);
}

TEST_CASE("results carry either a value or an error") {
  Result<int> ok = 5;
  Result<int> bad = make_error(Errc::not_found, "gone");
  CHECK(ok.ok());
  CHECK(*ok == 5);
  CHECK_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::not_found);
  Result<void> v;
  CHECK(v.ok());
  Result<void> e = make_error(Errc::temp, "later");
  CHECK(e.error().message == "later");
}

TEST_CASE("big-endian encoding sorts like the numbers and round-trips") {
  std::string a, b;
  put_be32(&a, 255);
  put_be32(&b, 256);
  CHECK(a < b);
  CHECK(get_be32(a.data()) == 255);
  std::string c;
  put_be64(&c, 0x0102030405060708ull);
  CHECK(get_be64(c.data()) == 0x0102030405060708ull);
  CHECK(ascii_lower("AbC\xc3\x89") == "abc\xc3\x89");
  CHECK(iequals("INBOX", "inbox"));
  CHECK_FALSE(iequals("INBOX", "inbo"));
}

}  // namespace base_base_test

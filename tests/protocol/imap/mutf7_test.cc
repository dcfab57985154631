// Modified UTF-7 (RFC 3501 §5.1.3): examples of the RFC, round trips and
// every non-canonical or broken form the decoder must refuse.
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/mutf7.h"

namespace protocol_imap_mutf7_test {

using loft::proto::imap::mutf7_decode;
using loft::proto::imap::mutf7_encode;
using loft::proto::imap::utf8_valid;

namespace {

std::string decoded(std::string_view wire) {
  auto r = mutf7_decode(wire);
  REQUIRE_MESSAGE(r.ok(), std::string(wire));
  return *r;
}

bool refused(std::string_view wire) { return !mutf7_decode(wire).ok(); }

}  // namespace

TEST_CASE("mutf7: the examples of RFC 3501 §5.1.3 and RFC 2152") {
  // "~peter/mail/台北/日本語"
  CHECK(decoded("~peter/mail/&U,BTFw-/&ZeVnLIqe-") == "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
  CHECK(mutf7_encode("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e") ==
        "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
  CHECK(decoded("&-") == "&");
  CHECK(mutf7_encode("Tom & Jerry") == "Tom &- Jerry");
  CHECK(decoded("Entw&APw-rfe") == "Entw\xc3\xbc" "rfe");
  CHECK(mutf7_encode("Entw\xc3\xbc" "rfe") == "Entw&APw-rfe");
  CHECK(decoded("") == "");
}

TEST_CASE("mutf7: round trips of BMP, astral and control characters") {
  const char* names[] = {
      "INBOX", "caf\xc3\xa9", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", "a&b&&c", "emoji \xf0\x9f\x98\x80 end",
      "\xf0\x9f\x98\x80\xf0\x9f\x98\x81", "tab\there", "\xe2\x82\xac/\xc3\xa4/x", "\x7f", "a\xc2\x80z",
  };
  for (const char* n : names) {
    std::string wire = mutf7_encode(n);
    for (char c : wire) CHECK((c >= 0x20 && c <= 0x7e));
    CHECK(decoded(wire) == n);
  }
  CHECK(mutf7_encode("\xf0\x9f\x98\x80") == "&2D3eAA-");
}

TEST_CASE("mutf7: encoding replaces invalid UTF-8 with U+FFFD") {
  CHECK(mutf7_encode("a\xff" "b") == "a&,,0-b");
  CHECK(decoded("a&,,0-b") == "a\xef\xbf\xbd" "b");
  CHECK(utf8_valid("caf\xc3\xa9"));
  CHECK_FALSE(utf8_valid("a\xff"));
  CHECK_FALSE(utf8_valid("\xc0\xaf"));          // overlong "/"
  CHECK_FALSE(utf8_valid("\xed\xa0\x80"));      // a UTF-16 surrogate
  CHECK_FALSE(utf8_valid("\xe2\x82"));          // truncated
}

TEST_CASE("mutf7: the decoder refuses every non-canonical or broken form") {
  CHECK(refused("caf\xc3\xa9"));    // raw 8-bit (UTF-8 sent as is)
  CHECK(refused("a\tb"));           // control byte not encoded
  CHECK(refused("&APw"));           // unterminated run
  CHECK(refused("abc&"));           // unterminated at the very end
  CHECK(refused("&AP*-"));          // '*' is no base64
  CHECK(refused("&AP/-"));          // '/' is RFC 2152 base64, not modified base64
  CHECK(refused("&AP=-"));          // no padding in modified base64
  CHECK(refused("&AGE-"));          // "a" (0x61) inside a run
  CHECK(refused("&ACY-"));          // "&" inside a run instead of "&-"
  CHECK(refused("&APw-&APw-"));     // two adjacent runs must be one
  CHECK(refused("&APx-"));          // non-zero padding bits
  CHECK(refused("&APwA-"));         // 6 extra bits: a run too long
  CHECK(refused("&A-"));            // fewer than 16 bits
  CHECK(decoded("&2D3cAA-") == "\xf0\x9f\x90\x80");  // D83D DC00: a valid pair
  CHECK(refused("&2D0AYQ-"));       // high surrogate followed by U+0061
  CHECK(refused("&3gA-"));          // lone low surrogate U+DE00
  CHECK(refused("&2D3eAA-&2D3eAA-"));
  // A lone high surrogate with exact padding: D83D = 110110 000011 1101(00).
  CHECK(refused("&2D0-"));
  // The same byte sequence with "&-" between two runs is fine.
  CHECK(decoded("&APw-&-&APw-") == "\xc3\xbc&\xc3\xbc");
}

TEST_CASE("mutf7: whatever the decoder accepts is canonical (encode gives the input back)") {
  // Random wire strings over the characters that matter; a deterministic
  // generator and a fixed count keep the test bounded and repeatable.
  const char alphabet[] = "&-&-AGOPwZeV2D3eACcgk09+,/ aX";
  uint32_t state = 12345;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string wire;
    size_t len = next() % 14;
    for (size_t k = 0; k < len; ++k) wire.push_back(alphabet[(next() >> 8) % (sizeof(alphabet) - 1)]);
    auto r = mutf7_decode(wire);
    if (!r) continue;
    ++accepted;
    CHECK(utf8_valid(*r));
    if (mutf7_encode(*r) != wire) FAIL_CHECK("not canonical: " << wire);
  }
  CHECK(accepted > 1000);
}

TEST_CASE("mutf7: every UTF-8 string survives encode then decode") {
  uint32_t state = 777;
  auto next = [&] { return state = state * 1664525u + 1013904223u; };
  const uint32_t points[] = {0x20, 0x26, 0x2d, 0x41, 0x7e, 0x7f, 0x1f, 0xe9, 0x3b1, 0x4e2d, 0xfffd, 0x1f600, 0x10ffff};
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = next() % 10;
    for (size_t k = 0; k < len; ++k) {
      uint32_t cp = points[(next() >> 8) % (sizeof(points) / sizeof(points[0]))];
      if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else {
        s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      }
    }
    auto back = mutf7_decode(mutf7_encode(s));
    REQUIRE(back.ok());
    if (*back != s) FAIL_CHECK("round trip lost " << s);
  }
}

}  // namespace protocol_imap_mutf7_test

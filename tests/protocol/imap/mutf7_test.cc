// Modified UTF-7 (RFC 3501 §5.1.3): examples of the RFC, round trips and
// every non-canonical or broken form the decoder must refuse.
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/mutf7.h"

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

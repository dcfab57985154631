// The stored structure encoding: round trip, and truncated or corrupt input
// refused without a crash.
#include <doctest/doctest.h>

#include <string>

#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace protocol_mime_codec_test {

namespace mime = loft::proto::mime;

namespace {
const char* kMessage =
    "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nFrom: \"A\" <a@example.com>\r\nTo: b@example.com\r\n"
    "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
    "Content-Type: text/plain; charset=utf-8\r\nContent-Language: en, de\r\n"
    "Content-Disposition: inline; filename=a.txt\r\nContent-ID: <x@y>\r\n\r\nhi\r\n--b\r\n"
    "Content-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nbody\r\n--b--\r\n";
}

TEST_CASE("a structure survives encode and decode unchanged") {
  auto s = mime::parse(kMessage);
  std::string enc;
  mime::encode_structure(s, &enc);
  CHECK(static_cast<uint8_t>(enc[0]) == mime::kStructureVersion);
  auto back = mime::decode_structure(enc);
  REQUIRE(back.ok());
  CHECK(*back == s);
  CHECK(back->parts[1].language == std::vector<std::string>{"en", "de"});
}

TEST_CASE("every truncation of an encoding is refused") {
  std::string enc;
  mime::encode_structure(mime::parse(kMessage), &enc);
  for (size_t n = 0; n < enc.size(); ++n) {
    INFO("length " << n);
    CHECK_FALSE(mime::decode_structure(std::string_view(enc).substr(0, n)).ok());
  }
}

TEST_CASE("corrupt encodings are refused or decode to a consistent tree") {
  std::string enc;
  mime::encode_structure(mime::parse(kMessage), &enc);
  CHECK_FALSE(mime::decode_structure(enc + "x").ok());  // trailing bytes
  std::string v = enc;
  v[0] = 99;
  CHECK_FALSE(mime::decode_structure(v).ok());  // unknown version
  for (size_t i = 1; i < enc.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string c = enc;
      c[i] = static_cast<char>(c[i] ^ (1 << bit));
      auto d = mime::decode_structure(c);
      if (!d.ok()) continue;
      // Whatever decodes is a tree: every subtree lies inside its parent.
      REQUIRE(!d->parts.empty());
      CHECK(d->parts[0].end == d->parts.size());
      for (uint32_t k = 0; k < d->parts.size(); ++k) {
        CHECK(d->parts[k].end > k);
        CHECK(d->parts[k].end <= d->parts.size());
        CHECK(d->parts[k].header_offset <= d->parts[k].body_offset);
        CHECK(d->parts[k].body_offset <= d->parts[k].body_end);
      }
    }
  }
}

}  // namespace protocol_mime_codec_test

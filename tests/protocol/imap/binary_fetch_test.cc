// RFC 3516 BINARY FETCH items: section-binary grammar (§4.2), its errors,
// byte-at-a-time framing, the response items (§4.3) and the transfer decoder.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/binary_fetch.h"
#include "protocol/mime/transfer_decoder.h"

namespace protocol_imap_binary_fetch_test {

using loft::proto::imap::BinaryItem;
using loft::proto::imap::BinarySizeItem;
using loft::proto::imap::Parser;
using loft::proto::imap::test::feed_chunks;
using loft::proto::imap::test::parse;
constexpr auto items = loft::proto::imap::test::fetch_items;
namespace mime = loft::proto::mime;

TEST_CASE("BINARY, BINARY.PEEK and BINARY.SIZE parse with a part, any case") {
  CHECK(items("BINARY[]") == "BINARY[]");
  CHECK(items("binary.peek[1]") == "BINARY.PEEK[1]");
  CHECK(items("Binary[1.2.3]") == "BINARY[1.2.3]");
  CHECK(items("BINARY.SIZE[2]") == "BINARY.SIZE[2]");
  CHECK(items("BINARY.SIZE[]") == "BINARY.SIZE[]");
  CHECK(items("(UID BINARY.PEEK[1]<0.10> BINARY.SIZE[1] FLAGS)") ==
        "UID BINARY.PEEK[1]<0.10> BINARY.SIZE[1] FLAGS");
  CHECK(items("BINARY[4294967295]<4294967295.4294967295>") == "BINARY[4294967295]<4294967295.4294967295>");
}

TEST_CASE("section-binary takes only part numbers; BINARY.SIZE takes no partial") {
  // RFC 3516 §4.2 / RFC 4466 §2.2: section-binary = "[" [section-part] "]".
  CHECK(items("BINARY[1.MIME]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[HEADER]").rfind("BAD t ", 0) == 0);
  CHECK(items("BINARY.PEEK[TEXT]").rfind("BAD t ", 0) == 0);
  CHECK(items("BINARY[0]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[1.0]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[01]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[1.]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[.1]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[1..2]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[4294967296]") == "BAD t Invalid BINARY section");
  CHECK(items("BINARY[1") == "BAD t Missing argument");
  CHECK(items("BINARY") == "BAD t Invalid FETCH item");
  CHECK(items("BINARY.SIZE") == "BAD t Invalid FETCH item");
  CHECK(items("(BINARY.PEEK FLAGS)") == "BAD t Invalid FETCH item");
  CHECK(items("BINARY.SIZE[1]<0.1>") == "BAD t Unexpected extra arguments");
  CHECK(items("(BINARY.SIZE[1]<0.1>)").rfind("BAD t ", 0) == 0);
  CHECK(items("BINARY[1]<0.0>") == "BAD t Expected a non-zero number");
  CHECK(items("BINARY[1]<1>") == "BAD t Expected '.'");
  CHECK(items("BINARY[1]<x.1>") == "BAD t Expected a number");
  CHECK(items("BINARY.TEXT[1]") == "BAD t Invalid FETCH item");
}

TEST_CASE("a FETCH BINARY command fed one byte at a time, or split anywhere, parses the same") {
  const std::string stream = "a1 UID FETCH 1:* (BINARY.PEEK[1.2]<5.10> BINARY.SIZE[3] BINARY[])\r\n"
                             "a2 FETCH 1 BINARY[1.MIME]\r\n";
  const std::vector<std::string> expected = {"a1 UID FETCH 1:* (BINARY.PEEK[1.2]<5.10> BINARY.SIZE[3] BINARY[])",
                                             "BAD a2 Invalid BINARY section"};
  {
    Parser p;
    std::vector<std::string_view> bytes;
    for (size_t i = 0; i < stream.size(); ++i) bytes.push_back(std::string_view(stream).substr(i, 1));
    CHECK(feed_chunks(p, bytes) == expected);
  }
  for (size_t cut = 1; cut < stream.size(); ++cut) {
    Parser p;
    std::string_view s(stream);
    CHECK(feed_chunks(p, {s.substr(0, cut), s.substr(cut)}) == expected);
  }
}

TEST_CASE("BINARY response items: literal8 only when asked, the origin echoed") {
  std::vector<uint32_t> part = {1, 2};
  std::string out;
  BinaryItem{part, std::nullopt, 11, true}.serialize(&out);
  CHECK(out == "BINARY[1.2] ~{11}\r\n");
  out.clear();
  BinaryItem{{}, uint64_t{100}, 0, false}.serialize(&out);
  CHECK(out == "BINARY[]<100> {0}\r\n");
  out.clear();
  BinarySizeItem{part, 12345}.serialize(&out);
  CHECK(out == "BINARY.SIZE[1.2] 12345");
}

TEST_CASE("the Content-Transfer-Encoding picks the decoder") {
  CHECK(mime::classify_cte(std::nullopt) == mime::Cte::identity);
  CHECK(mime::classify_cte(std::string("7BIT")) == mime::Cte::identity);
  CHECK(mime::classify_cte(std::string("8bit")) == mime::Cte::identity);
  CHECK(mime::classify_cte(std::string("Binary")) == mime::Cte::identity);
  CHECK(mime::classify_cte(std::string("BASE64")) == mime::Cte::base64);
  CHECK(mime::classify_cte(std::string("Quoted-Printable")) == mime::Cte::quoted_printable);
  CHECK(mime::classify_cte(std::string("x-uuencode")) == mime::Cte::unknown);
  CHECK(mime::classify_cte(std::string("7-bit")) == mime::Cte::unknown);
  auto run = [](mime::Cte cte, std::string_view in) {
    std::string out;
    mime::TransferDecoder d(cte);
    for (char c : in) d.feed(std::string_view(&c, 1), &out);  // byte at a time
    d.finish(&out);
    return out;
  };
  CHECK(run(mime::Cte::base64, "aGVs\r\nbG8Ad29y\r\nbGQ=") == std::string("hello\0world", 11));
  CHECK(run(mime::Cte::quoted_printable, "caf=C3=A9 soft=\r\nbreak") == "caf\xc3\xa9 softbreak");
  CHECK(run(mime::Cte::identity, "as =3D is") == "as =3D is");
}

}  // namespace protocol_imap_binary_fetch_test

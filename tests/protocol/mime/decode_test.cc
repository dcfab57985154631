// Transfer-encoding decoders and RFC 2047 header decoding.
#include <doctest/doctest.h>

#include <string>

#include "protocol/mime/decode.h"

namespace protocol_mime_decode_test {

using loft::proto::mime::Base64Decoder;
using loft::proto::mime::decode_header_value;
using loft::proto::mime::QpDecoder;

namespace {

// Decodes input fed in pieces of `step` bytes.
template <class D>
std::string decode(std::string_view in, size_t step = 0) {
  D d;
  std::string out;
  if (step == 0) step = in.size() + 1;
  for (size_t i = 0; i < in.size(); i += step) d.feed(in.substr(i, step), &out);
  d.finish(&out);
  return out;
}

template <class D>
void check_every_split(std::string_view in, const std::string& expected) {
  for (size_t step = 1; step <= in.size(); ++step) {
    CAPTURE(step);
    CHECK(decode<D>(in, step) == expected);
  }
}

}  // namespace

TEST_CASE("base64 decodes RFC 4648 vectors, split anywhere") {
  CHECK(decode<Base64Decoder>("") == "");
  CHECK(decode<Base64Decoder>("Zg==") == "f");
  CHECK(decode<Base64Decoder>("Zm8=") == "fo");
  CHECK(decode<Base64Decoder>("Zm9v") == "foo");
  CHECK(decode<Base64Decoder>("Zm9vYg==") == "foob");
  check_every_split<Base64Decoder>("Zm9v\r\nYmFy\r\n", "foobar");
}

TEST_CASE("base64 is lenient: junk skipped, padding missing, padding in the middle") {
  CHECK(decode<Base64Decoder>("Zm9v YmE") == "fooba");
  CHECK(decode<Base64Decoder>("Zm9v!!*YmFy") == "foobar");
  CHECK(decode<Base64Decoder>("Zg==Zm8=") == "ffo");
  CHECK(decode<Base64Decoder>("Z") == "");
}

TEST_CASE("quoted-printable: hex escapes, soft breaks, trailing white space, split anywhere") {
  check_every_split<QpDecoder>("caf=C3=A9 =3D x", "caf\xc3\xa9 = x");
  check_every_split<QpDecoder>("long=\r\nline", "longline");
  check_every_split<QpDecoder>("long=\nline", "longline");
  check_every_split<QpDecoder>("soft=  \r\nbreak", "softbreak");
  check_every_split<QpDecoder>("trailing   \r\nnext\t\n", "trailing\r\nnext\r\n");
  check_every_split<QpDecoder>("lower =c3=a9", "lower \xc3\xa9");
  check_every_split<QpDecoder>("a b", "a b");
}

TEST_CASE("quoted-printable keeps malformed escapes literally") {
  CHECK(decode<QpDecoder>("100=%") == "100=%");
  CHECK(decode<QpDecoder>("=G1") == "=G1");
  CHECK(decode<QpDecoder>("=4") == "=4");
  CHECK(decode<QpDecoder>("=4x") == "=4x");
  CHECK(decode<QpDecoder>("end=") == "end");
}

TEST_CASE("RFC 2047 §8 examples decode as the RFC says") {
  CHECK(decode_header_value("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>") == "Keith Moore <moore@cs.utk.edu>");
  CHECK(decode_header_value("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>") ==
        "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
  CHECK(decode_header_value("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>") ==
        "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>");
  CHECK(decode_header_value("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
                            " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=") ==
        "If you can read this you understand the example.");
  // §8's table of adjacent words
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?=)") == "(a)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?= b)") == "(a b)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)") == "(ab)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a_b?=)") == "(a b)");
  CHECK(decode_header_value("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)") == "(a b)");
}

TEST_CASE("RFC 2047 words with RFC 2231 languages, other charsets, and broken words") {
  CHECK(decode_header_value("=?US-ASCII*EN?Q?Keith_Moore?=") == "Keith Moore");
  CHECK(decode_header_value("=?koi8-r?B?8NLJ18XU?=") == "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  CHECK(decode_header_value("=?utf-8?q?caf=C3=A9?=") == "caf\xc3\xa9");
  CHECK(decode_header_value("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
  CHECK(decode_header_value("=?utf-8?q?no end") == "=?utf-8?q?no end");
  CHECK(decode_header_value("a =?utf-8?q?b?= c") == "a b c");
  CHECK(decode_header_value("x=?utf-8?q?b?=y") == "xby");  // inside a word, as mailers emit
  CHECK(decode_header_value("raw \xff bytes") == "raw \xef\xbf\xbd bytes");
  CHECK(decode_header_value("=?no-such-charset?q?plain?=") == "=?no-such-charset?q?plain?=");
}

}  // namespace protocol_mime_decode_test

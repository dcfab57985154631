// Charset conversion (iconv and the alias table) and simple case folding.
#include <doctest/doctest.h>

#include <string>

#include "protocol/mime/charset.h"

namespace protocol_mime_charset_test {

using loft::proto::mime::CaseFolder;
using loft::proto::mime::CharsetDecoder;
using loft::proto::mime::convert_to_utf8;
using loft::proto::mime::fold_case;
using loft::proto::mime::iconv_charset_name;

namespace {

std::string convert_split(std::string_view charset, std::string_view in, size_t step) {
  CharsetDecoder d(charset);
  std::string out;
  for (size_t i = 0; i < in.size(); i += step) d.feed(in.substr(i, step), &out);
  d.finish(&out);
  return out;
}

}  // namespace

TEST_CASE("legacy charsets convert to UTF-8, split at every byte") {
  struct Case {
    const char* charset;
    std::string in;
    std::string utf8;
  };
  const Case cases[] = {
      {"Shift_JIS", "\x93\xfa\x96\x7b\x8c\xea", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"},  // 日本語
      {"x-sjis", "\x93\xfa\x96\x7b", "\xe6\x97\xa5\xe6\x9c\xac"},
      {"EUC-JP", "\xc6\xfc\xcb\xdc", "\xe6\x97\xa5\xe6\x9c\xac"},
      {"KOI8-R", "\xf0\xd2\xc9\xd7\xc5\xd4", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"},  // Привет
      {"GBK", "\xc4\xe3\xba\xc3", "\xe4\xbd\xa0\xe5\xa5\xbd"},  // 你好
      {"gb2312", "\xc4\xe3\xba\xc3", "\xe4\xbd\xa0\xe5\xa5\xbd"},
      {"Big5", "\xa7\x41\xa6\x6e", "\xe4\xbd\xa0\xe5\xa5\xbd"},
      {"windows-1250", "\x8a\xe8", "\xc5\xa0\xc4\x8d"},  // Šč
      {"ISO-8859-2", "\xa9", "\xc5\xa0"},
      {"iso-8859-1", "caf\xe9 \x93q\x94", "caf\xc3\xa9 \xe2\x80\x9cq\xe2\x80\x9d"},  // read as windows-1252
      {"UTF-7", "Hi Mom -+Jjo--!", "Hi Mom -\xe2\x98\xba-!"},
      {"utf-8", "caf\xc3\xa9", "caf\xc3\xa9"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.charset);
    CHECK(convert_to_utf8(c.charset, c.in) == c.utf8);
    for (size_t step = 1; step <= c.in.size(); ++step) CHECK(convert_split(c.charset, c.in, step) == c.utf8);
  }
}

TEST_CASE("bad input becomes U+FFFD and conversion goes on") {
  CHECK(convert_to_utf8("utf-8", "a\xff" "b") == "a\xef\xbf\xbd" "b");
  CHECK(convert_to_utf8("utf-8", "a\xc3") == "a\xef\xbf\xbd");          // cut off at the end
  CHECK(convert_to_utf8("utf-8", "\xed\xa0\x80") == "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // a surrogate
  CHECK(convert_to_utf8("Shift_JIS", "a\x81") == "a\xef\xbf\xbd");
  CHECK(convert_to_utf8("us-ascii", "caf\xc3\xa9") == "caf\xc3\xa9");  // 8-bit UTF-8 under a US-ASCII label
  CharsetDecoder unknown("x-no-such-thing");
  CHECK_FALSE(unknown.known());
  CHECK(convert_to_utf8("x-no-such-thing", "plain \xc3\xa9") == "plain \xc3\xa9");
  CHECK(CharsetDecoder("\"KOI8-R\"").known());
  CHECK(iconv_charset_name("KS_C_5601-1987") == "CP949");
  CHECK(iconv_charset_name("ISO-8859-15") == "ISO-8859-15");
}

TEST_CASE("simple case folding: ASCII, Latin, Greek, Cyrillic; not full folding") {
  CHECK(fold_case("Hello WORLD") == "hello world");
  CHECK(fold_case("CAF\xc3\x89") == "caf\xc3\xa9");                        // É -> é
  CHECK(fold_case("\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1") == fold_case("\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1"));  // Σ/σ
  CHECK(fold_case("\xcf\x82") == "\xcf\x83");                              // final sigma folds to σ
  CHECK(fold_case("\xd0\x9f\xd0\xa0\xd0\x98") == "\xd0\xbf\xd1\x80\xd0\xb8");  // ПРИ -> при
  CHECK(fold_case("\xc3\x9f") == "\xc3\x9f");                              // ß stays (simple folding)
  CHECK(fold_case("\xe2\x84\xaa") == "k");                                 // KELVIN SIGN -> k
  CHECK(fold_case("\xf0\x90\x90\x80") == "\xf0\x90\x90\xa8");              // Deseret, 4 bytes
  CHECK(fold_case("\xe6\x97\xa5") == "\xe6\x97\xa5");                      // CJK unchanged
  CHECK(fold_case("a\xff") == "a\xef\xbf\xbd");
}

TEST_CASE("case folding streams: a sequence split between pieces waits") {
  std::string in = "\xc3\x89t\xc3\x89 \xd0\x9f";
  for (size_t step = 1; step <= in.size(); ++step) {
    CaseFolder f;
    std::string out;
    for (size_t i = 0; i < in.size(); i += step) f.feed(std::string_view(in).substr(i, step), &out);
    f.finish(&out);
    CHECK(out == "\xc3\xa9t\xc3\xa9 \xd0\xbf");
  }
}

}  // namespace protocol_mime_charset_test

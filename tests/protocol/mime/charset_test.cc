// Charset conversion (iconv and the alias table) and simple case folding.
#include <doctest/doctest.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>

#include "base/utf8.h"

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

// UTF-7 (decoded by protocol/mime/utf7.h, not glibc) and ISO-2022-JP (glibc,
// restarted from its initial state after a bad sequence) give the same text
// however the input is cut. The search_text fuzz target found that they did
// not: after "+ntent-" or a lone surrogate, glibc's UTF-7 went on from a
// point that depended on the pieces.
TEST_CASE("after a bad sequence a stateful charset decodes the same text at every split") {
  struct Case {
    const char* charset;
    std::string_view in;
    std::string_view utf8;
  };
  const Case cases[] = {
      {"UTF-7", "Hi Mom -+ntent-Type: x\n\nHi Mom -+Jjo--!\n",
       "Hi Mom -\xe9\xbb\x97\xef\xbf\xbdType: x\n\nHi Mom -\xe2\x98\xba-!\n"},
      {"UTF-7", "a+AGEAYgBj!d+ZeVnLIqe-e", "aabc!d\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e" "e"},
      {"UTF-7", "Hi Mom -+Jjoext/pla\xa4n; c", ""},  // a lone surrogate, then a non-ASCII byte
      {"UTF-7", "a+--b x+2D3eAA-y +2D0-z +AGE", "a+-b x\xf0\x9f\x98\x80y \xef\xbf\xbdz a"},
      {"unicode-1-1-utf-7", "+AGEAYgBj-", "abc"},
      {"utf7", "Hi Mom -+Jjoext/pla\xa4n; c", ""},  // glibc's own spellings of UTF-7 too
      {"UTF\xaf" "7", "Hi Mom -+Jjoext/pla\xa4n; c", ""},
      {"UTF-7-IMAP", "a&AGE-b+Jjoext/pla\xa4n", "a&AGE-b+Jjoext/pla\xef\xbf\xbdn"},  // read as UTF-8
      {"ISO-2022-JP", "a\x1b$B\xff\x1b(Bb", ""},  // a bad byte inside a shift: whole-input result below
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    std::string whole = convert_to_utf8(c.charset, c.in);
    if (!c.utf8.empty()) CHECK(whole == c.utf8);
    for (size_t step = 1; step <= c.in.size(); ++step) CHECK(convert_split(c.charset, c.in, step) == whole);
  }
}

TEST_CASE("NFKC_Casefold: ASCII, Latin, Greek, Cyrillic, full folding") {
  CHECK(fold_case("Hello WORLD") == "hello world");
  CHECK(fold_case("CAF\xc3\x89") == "caf\xc3\xa9");                        // É -> é
  CHECK(fold_case("\xce\xa3\xce\xbf\xcf\x86\xce\xaf\xce\xb1") == fold_case("\xcf\x83\xce\xbf\xcf\x86\xce\xaf\xce\xb1"));  // Σ/σ
  CHECK(fold_case("\xcf\x82") == "\xcf\x83");                              // final sigma folds to σ
  CHECK(fold_case("\xd0\x9f\xd0\xa0\xd0\x98") == "\xd0\xbf\xd1\x80\xd0\xb8");  // ПРИ -> при
  CHECK(fold_case("\xc3\x9f") == "ss");                                   // ß -> ss (full folding)
  CHECK(fold_case("Stra\xc3\x9f" "e") == fold_case("STRASSE"));
  CHECK(fold_case("\xe2\x84\xaa") == "k");                                 // KELVIN SIGN -> k
  CHECK(fold_case("\xf0\x90\x90\x80") == "\xf0\x90\x90\xa8");              // Deseret, 4 bytes
  CHECK(fold_case("\xe6\x97\xa5") == "\xe6\x97\xa5");                      // CJK unchanged
  CHECK(fold_case("a\xff") == "a\xef\xbf\xbd");
}

TEST_CASE("normalization: composed and decomposed, compatibility forms, ignorables") {
  CHECK(fold_case("Cafe\xcc\x81") == "caf\xc3\xa9");                     // e + U+0301 -> é
  CHECK(fold_case("CAFE\xcc\x81") == fold_case("caf\xc3\xa9"));
  CHECK(fold_case("\xef\xac\x81le") == "file");                            // ﬁ ligature
  CHECK(fold_case("\xef\xbc\xa1\xef\xbc\xa2") == "ab");                   // full-width ＡＢ
  CHECK(fold_case("Ver\xc2\xad" "sicherung") == "versicherung");            // soft hyphen removed
  CHECK(fold_case("\xe1\x84\x80\xe1\x85\xa1") == "\xea\xb0\x80");          // Hangul jamo compose to 가
  CHECK(fold_case("\xe2\x84\xab") == "\xc3\xa5");                          // ANGSTROM SIGN -> å
}

TEST_CASE("normalization does not depend on the split, even in long runs of combining marks") {
  std::string marks;
  for (int i = 0; i < 70; ++i) marks += "\xcc\x81";  // U+0301 x 70: cut after 30 (stream-safe)
  const std::string in = "A\xcc\x8a" "b\xc3\x9f" "E\xcc\x81 " + marks + "o\xcc\x88x\xef\xac\x81\xc2\xad" "END";
  CaseFolder whole;
  std::string expect;
  whole.feed(in, &expect);
  whole.finish(&expect);
  CHECK(expect.substr(0, 2) == "\xc3\xa5");  // A + ring above composed
  for (size_t step = 1; step <= in.size(); ++step) {
    CaseFolder f;
    std::string out;
    for (size_t i = 0; i < in.size(); i += step) f.feed(std::string_view(in).substr(i, step), &out);
    f.finish(&out);
    CHECK_MESSAGE(out == expect, "step " << step);
  }
  for (size_t cut = 1; cut < in.size(); ++cut) {
    CaseFolder f;
    std::string out;
    f.feed(std::string_view(in).substr(0, cut), &out);
    f.feed(std::string_view(in).substr(cut), &out);
    f.finish(&out);
    CHECK_MESSAGE(out == expect, "cut " << cut);
  }
}

TEST_CASE("the folder's table paths equal ICU's NFKC_Casefold of the whole text, however it is split") {
  // Random texts from code points where folding does something: ASCII,
  // Latin-1 and Latin Extended, combining marks, Greek, Cyrillic, Hangul
  // jamo and syllables, kana with (semi-)voiced marks, CJK, full-width
  // forms, ligatures, soft hyphen, astral letters.
  const char32_t pool[] = {U'a', U'Z', U' ', U'.', 0xC0, 0xDF, 0xE9, 0xAD, 0x130, 0x149, 0x17F, 0x1C4, 0x300, 0x301,
                           0x308, 0x345, 0x3A3, 0x3C2, 0x390, 0x410, 0x451, 0x5D0, 0x627, 0x1100, 0x1161, 0x11A8,
                           0xAC00, 0x304B, 0x3099, 0x309A, 0x30AB, 0x4E2D, 0xFF21, 0xFF8A, 0xFF9E, 0xFB01, 0x212B,
                           0x2126, 0x1E9E, 0x10400, 0x1D400, 0xFFFD};
  uint64_t x = 88172645463325252ULL;
  auto next = [&x] { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return x; };
  for (int round = 0; round < 300; ++round) {
    std::string in;
    const size_t len = 1 + next() % 40;
    for (size_t i = 0; i < len; ++i) loft::append_utf8(&in, pool[next() % (sizeof pool / sizeof pool[0])]);
    UErrorCode e = U_ZERO_ERROR;
    std::string expect;
    icu::StringByteSink<std::string> sink(&expect);
    icu::Normalizer2::getNFKCCasefoldInstance(e)->normalizeUTF8(0, icu::StringPiece(in.data(), static_cast<int32_t>(in.size())), sink, nullptr, e);
    REQUIRE(U_SUCCESS(e));
    CaseFolder f;
    std::string out;
    for (size_t i = 0; i < in.size();) {
      const size_t step = 1 + next() % 7;
      f.feed(std::string_view(in).substr(i, step), &out);
      i += step;
    }
    f.finish(&out);
    CHECK_MESSAGE(out == expect, "round " << round);
  }
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

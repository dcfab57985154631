// Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8
// base64) that take input in pieces of any size, and RFC 2047 encoded-word
// decoding of header values into UTF-8. All are lenient: malformed input is
// decoded as well as it can be, never rejected (mail in the wild is broken).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loft::proto::mime {

// The value of a character of the base64 alphabet (RFC 4648 §4, which RFC
// 2045 §6.8 and UTF-7's RFC 2152 use), or -1 for any other byte.
int base64_value(unsigned char c);

// Streaming base64 (RFC 2045 §6.8): characters outside the alphabet (line
// breaks, spaces, junk) are skipped; "=" ends a quantum; a final partial
// quantum yields the whole bytes it holds.
class Base64Decoder {
 public:
  // Appends the bytes decoded from in to *out; keeps up to 3 pending sextets.
  void feed(std::string_view in, std::string* out);
  // Flushes a trailing partial quantum (lenient on missing padding).
  void finish(std::string* out);

 private:
  uint32_t bits_ = 0;
  int count_ = 0;  // sextets held in bits_
};

// Streaming quoted-printable (RFC 2045 §6.7): "=XX" (hex in any case), soft
// line breaks "=" CRLF (or bare LF), trailing white space on a line dropped
// (rule 3). An "=" not followed by two hex digits or a line break is kept as is.
class QpDecoder {
 public:
  void feed(std::string_view in, std::string* out);
  // Flushes what is held back (an incomplete "=X" at the very end is kept literally).
  void finish(std::string* out);

 private:
  std::string pending_;  // "=" or "=X" or "=" + white space, or trailing white space
};

// RFC 2047 (with RFC 2231 §5 "charset*lang"): decodes the encoded words of a
// header value into UTF-8 and returns the whole value in UTF-8. White space
// between two adjacent encoded words is dropped (§6.2); other text is kept,
// its bytes taken as UTF-8 (invalid sequences become U+FFFD). Encoded words
// are recognised even inside words, as many mailers emit them there; a word
// in a charset iconv does not know is kept as written (§6.1 (a)).
std::string decode_header_value(std::string_view value);

}  // namespace loft::proto::mime

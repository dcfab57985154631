// A streaming UTF-7 decoder (RFC 2152) for message text. glibc's iconv
// decodes UTF-7 too, but after a bad sequence it resumes at a point that
// depends on how the input was cut into calls, so the same part searched
// whole and in pieces gave different text. This one keeps its whole state
// (shift, pending bits, a high surrogate) between bytes: any split gives the
// same UTF-8.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loft::proto::mime {

class Utf7Decoder {
 public:
  // Appends the UTF-8 for in to *out; what cannot be decoded becomes U+FFFD.
  void feed(std::string_view in, std::string* out);
  // Ends the text: an unfinished shift sequence ends as if "-" followed.
  void finish(std::string* out);

 private:
  void end_shift(std::string* out);
  void unit(uint16_t u, std::string* out);

  bool shifted_ = false;       // inside "+...": base64 of UTF-16BE
  bool just_shifted_ = false;  // "+" seen and nothing after it yet ("+-" is "+")
  uint32_t bits_ = 0;          // base64 bits not yet forming a UTF-16 unit
  int nbits_ = 0;
  uint16_t high_ = 0;          // a high surrogate waiting for its low half
};

}  // namespace loft::proto::mime

// UTF-8 encoding and decoding of single code points, shared by every layer
// that walks or builds text (charsets, mailbox names, search grams and words,
// HTML references, previews).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loft {

// The length of the UTF-8 sequence a lead byte starts (1 to 4); 1 for a byte
// that cannot lead one, so a stray byte stands for itself.
inline size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// The code point of one whole sequence (as utf8_sequence_length measured it);
// not validated: callers walk text that is already valid UTF-8.
inline char32_t utf8_decode(std::string_view seq) {
  auto b = static_cast<unsigned char>(seq[0]);
  if (seq.size() == 1) return b;
  char32_t c = seq.size() == 2 ? (b & 0x1F) : seq.size() == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t i = 1; i < seq.size(); ++i) c = (c << 6) | (static_cast<unsigned char>(seq[i]) & 0x3F);
  return c;
}

// Appends the UTF-8 form of cp (a Unicode scalar value; callers replace
// anything else first).
inline void append_utf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace loft

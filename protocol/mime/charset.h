// Charset conversion to UTF-8 (glibc iconv, any name it or the MIME alias
// table knows) and Unicode simple case folding (ICU), for SEARCH's
// case-insensitive substring matching over decoded text (RFC 3501 §6.4.4).
// Lenient: invalid input becomes U+FFFD, an unknown charset is read as UTF-8.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace loft::proto::mime {

class Utf7Decoder;

// The iconv name for a MIME charset label: case-insensitive aliases that
// glibc lacks or gets wrong (x-sjis, ks_c_5601-1987, gb2312 -> GBK, latin1 and
// iso-8859-1 -> windows-1252 as browsers read them, utf8, unicode-1-1-utf-7...).
// Returns the label itself when it needs no mapping.
std::string iconv_charset_name(std::string_view label);

// Streaming conversion of one part's bytes from its charset to UTF-8; an
// incomplete multibyte sequence at the end of a piece waits for the next.
class CharsetDecoder {
 public:
  // An unknown charset (iconv cannot open it) is read as UTF-8.
  explicit CharsetDecoder(std::string_view charset);
  ~CharsetDecoder();
  CharsetDecoder(const CharsetDecoder&) = delete;
  CharsetDecoder& operator=(const CharsetDecoder&) = delete;

  // Appends the UTF-8 for in to *out; invalid sequences become U+FFFD.
  void feed(std::string_view in, std::string* out);
  // Flushes an incomplete trailing sequence (as U+FFFD) and the shift state.
  void finish(std::string* out);
  // True when the charset was recognised (iconv or UTF-8/US-ASCII).
  bool known() const { return known_; }

 private:
  void convert(std::string_view in, std::string* out, bool last);

  void* cd_ = nullptr;  // iconv_t, or null: validate as UTF-8
  std::unique_ptr<Utf7Decoder> utf7_;  // UTF-7 (not iconv's: see utf7.h)
  bool known_ = false;
  std::string held_;    // an incomplete sequence from the previous piece
};

// Converts a whole string (a header's encoded word) from charset to UTF-8.
std::string convert_to_utf8(std::string_view charset, std::string_view bytes);

// Unicode NFKC_Casefold of UTF-8 (ICU's "nfkc_cf", Unicode §3.13 and UAX
// #15: full case folding, compatibility composition, default ignorables such
// as the soft hyphen removed), streaming: "Straße" and "STRASSE", "e" + U+0301
// and "é", "ﬁ" and "fi", "Ａ" and "a" fold alike. Text waits until the next
// normalization boundary (at most 30 non-starters, UAX #15 stream-safe), so
// the result never depends on how the input was split. An incomplete
// trailing sequence waits for the next piece; invalid UTF-8 becomes U+FFFD.
class CaseFolder {
 public:
  void feed(std::string_view utf8, std::string* out);
  void finish(std::string* out);

 private:
  static constexpr size_t kNormalizeChunk = 4096;  // batch bytes normalized at a time
  void end_segment(std::string* out);  // pending_ is complete: fold it (or batch it)
  void flush_batch(std::string* out);  // normalizes batch_

  std::string held_;          // an incomplete UTF-8 sequence
  std::string pending_;       // the current normalization segment (it may still grow)
  std::string batch_;         // whole segments waiting for one ICU call
  unsigned nonstarters_ = 0;  // code points since the segment started
};

// fold(s): CaseFolder over a whole string.
std::string fold_case(std::string_view utf8);

}  // namespace loft::proto::mime

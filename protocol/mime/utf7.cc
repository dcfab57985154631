// UTF-7 decoding (RFC 2152), see utf7.h.
#include "protocol/mime/utf7.h"

#include "base/utf8.h"
#include "protocol/mime/decode.h"

namespace loft::proto::mime {
namespace {

constexpr char32_t kUtf7Replacement = 0xFFFD;

// A byte outside a shift sequence: ASCII is itself (RFC 2152 lists the
// characters a sender should write directly; a reader takes any ASCII).
void direct(unsigned char c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else {
    append_utf8(out, kUtf7Replacement);
  }
}

}  // namespace

void Utf7Decoder::feed(std::string_view in, std::string* out) {
  for (unsigned char c : in) {
    if (!shifted_) {
      if (c == '+') {
        shifted_ = just_shifted_ = true;
        bits_ = 0;
        nbits_ = 0;
      } else {
        direct(c, out);
      }
      continue;
    }
    const int v = base64_value(c);  // RFC 2152 set B is the base64 alphabet
    if (v >= 0) {
      just_shifted_ = false;
      bits_ = (bits_ << 6) | static_cast<uint32_t>(v);
      nbits_ += 6;
      if (nbits_ >= 16) {
        nbits_ -= 16;
        unit(static_cast<uint16_t>(bits_ >> nbits_), out);
        bits_ &= (1u << nbits_) - 1;
      }
      continue;
    }
    // Any other character ends the shift; "-" is absorbed, "+-" is "+".
    if (just_shifted_ && c == '-') {
      out->push_back('+');
      shifted_ = just_shifted_ = false;
      continue;
    }
    end_shift(out);
    if (c != '-') direct(c, out);
  }
}

void Utf7Decoder::finish(std::string* out) {
  if (shifted_) end_shift(out);
}

void Utf7Decoder::end_shift(std::string* out) {
  // A high surrogate without its low half is ill-formed, and so are bits
  // left over that are not zero (RFC 2152: they are discarded, and "if such
  // discarded bits are non-zero the sequence is ill-formed").
  if (high_ != 0) append_utf8(out, kUtf7Replacement);
  if (bits_ != 0) append_utf8(out, kUtf7Replacement);
  shifted_ = just_shifted_ = false;
  bits_ = 0;
  nbits_ = 0;
  high_ = 0;
}

void Utf7Decoder::unit(uint16_t u, std::string* out) {
  const bool is_high = u >= 0xD800 && u <= 0xDBFF, is_low = u >= 0xDC00 && u <= 0xDFFF;
  if (high_ != 0) {
    const uint16_t high = high_;
    high_ = 0;
    if (is_low) {
      append_utf8(out, 0x10000 + ((static_cast<char32_t>(high) - 0xD800) << 10) + (u - 0xDC00));
      return;
    }
    append_utf8(out, kUtf7Replacement);  // the high half had no low half
  }
  if (is_high) {
    high_ = u;
  } else {
    append_utf8(out, is_low ? kUtf7Replacement : static_cast<char32_t>(u));
  }
}

}  // namespace loft::proto::mime

// Modified UTF-7 of RFC 3501 §5.1.3: RFC 2152 UTF-7 where "&" shifts into
// base64 (with "," for "/"), "-" shifts back, "&-" is "&", and printable
// US-ASCII (0x20-0x7e) must always stand for itself.
#include "protocol/imap/mutf7.h"

#include <cstdint>

#include "base/utf8.h"

namespace loft::proto::imap {
namespace {

constexpr char kModifiedBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

// The 6-bit value of a modified-base64 character, or -1.
int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == ',') return 63;
  return -1;
}

bool is_printable(uint32_t c) { return c >= 0x20 && c <= 0x7e; }

// Reads one code point at *pos; returns U+FFFD (and advances one byte) for an
// ill-formed sequence. Sets *ok to false in that case.
uint32_t next_code_point(std::string_view s, size_t* pos, bool* ok) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  size_t i = *pos;
  unsigned char c = b(i);
  if (c < 0x80) {
    *pos = i + 1;
    return c;
  }
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((c & 0xe0) == 0xc0) {
    len = 2, cp = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, cp = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  }
  bool good = len != 0 && i + len <= s.size();
  for (size_t k = 1; good && k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) good = false;
    cp = (cp << 6) | (b(i + k) & 0x3f);
  }
  if (good && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) good = false;
  if (!good) {
    *ok = false;
    *pos = i + 1;
    return 0xfffd;
  }
  *pos = i + len;
  return cp;
}

Error bad(const char* what) { return make_error(Errc::bad_input, std::string("Invalid modified UTF-7 name: ") + what); }

// Decodes the base64 run s[start, end) (between "&" and "-") into out.
Result<void> decode_run(std::string_view run, std::string* out) {
  uint32_t bits = 0;
  int nbits = 0;
  uint32_t high = 0;  // a pending high surrogate, or 0
  for (unsigned char c : run) {
    int v = b64_value(c);
    if (v < 0) return bad("bad base64 character");
    bits = (bits << 6) | static_cast<uint32_t>(v);
    nbits += 6;
    if (nbits < 16) continue;
    nbits -= 16;
    uint32_t unit = (bits >> nbits) & 0xffff;
    bits &= (1u << nbits) - 1;
    if (high != 0) {
      if (unit < 0xdc00 || unit > 0xdfff) return bad("high surrogate without a low one");
      loft::append_utf8(out, 0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00));
      high = 0;
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
      high = unit;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return bad("low surrogate without a high one");
    } else if (is_printable(unit)) {
      return bad("printable ASCII inside a base64 run");
    } else {
      loft::append_utf8(out, unit);
    }
  }
  if (high != 0) return bad("high surrogate at the end of a run");
  // RFC 2152: a run ends on a 16-bit boundary plus at most 5 zero bits.
  if (nbits >= 6) return bad("base64 run does not end on a character boundary");
  if (bits != 0) return bad("non-zero padding bits");
  return {};
}

}  // namespace

Result<std::string> mutf7_decode(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  size_t i = 0;
  bool after_run = false;  // the previous token was a non-empty base64 run
  while (i < wire.size()) {
    unsigned char c = static_cast<unsigned char>(wire[i]);
    if (!is_printable(c)) return bad("byte outside printable US-ASCII (use &...- encoding)");
    if (c != '&') {
      out.push_back(static_cast<char>(c));
      after_run = false;
      ++i;
      continue;
    }
    size_t end = wire.find('-', i + 1);
    if (end == std::string_view::npos) return bad("unterminated &-sequence");
    if (end == i + 1) {
      out.push_back('&');
      after_run = false;
    } else {
      // Two runs in a row must be one run (RFC 3501: the shortest form).
      if (after_run) return bad("adjacent base64 runs");
      auto r = decode_run(wire.substr(i + 1, end - i - 1), &out);
      if (!r) return r.error();
      after_run = true;
    }
    i = end + 1;
  }
  return out;
}

std::string mutf7_encode(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 8);
  size_t i = 0;
  while (i < utf8.size()) {
    bool ok = true;
    size_t at = i;
    uint32_t cp = next_code_point(utf8, &at, &ok);
    if (is_printable(cp)) {
      out.push_back(static_cast<char>(cp));
      if (cp == '&') out.push_back('-');
      i = at;
      continue;
    }
    // A run of code points that are not printable ASCII, as UTF-16BE base64.
    out.push_back('&');
    uint32_t bits = 0;
    int nbits = 0;
    auto put_unit = [&](uint32_t unit) {
      bits = (bits << 16) | unit;
      nbits += 16;
      while (nbits >= 6) {
        nbits -= 6;
        out.push_back(kModifiedBase64[(bits >> nbits) & 0x3f]);
      }
      bits &= (1u << nbits) - 1;
    };
    while (i < utf8.size()) {
      at = i;
      cp = next_code_point(utf8, &at, &ok);
      if (is_printable(cp)) break;
      if (cp >= 0x10000) {
        put_unit(0xd800 + ((cp - 0x10000) >> 10));
        put_unit(0xdc00 + ((cp - 0x10000) & 0x3ff));
      } else {
        put_unit(cp);
      }
      i = at;
    }
    if (nbits > 0) out.push_back(kModifiedBase64[(bits << (6 - nbits)) & 0x3f]);
    out.push_back('-');
  }
  return out;
}

bool utf8_valid(std::string_view text) {
  size_t i = 0;
  bool ok = true;
  while (i < text.size() && ok) next_code_point(text, &i, &ok);
  return ok;
}

}  // namespace loft::proto::imap

// Transfer-encoding and RFC 2047 decoders (see decode.h).
#include "protocol/mime/decode.h"

#include "protocol/mime/charset.h"

namespace loft::proto::mime {

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

namespace {

int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

void Base64Decoder::feed(std::string_view in, std::string* out) {
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '=') {
      finish(out);  // padding ends the quantum; decoding goes on after it (concatenated base64)
      continue;
    }
    int v = base64_value(c);
    if (v < 0) continue;
    bits_ = (bits_ << 6) | static_cast<uint32_t>(v);
    if (++count_ == 4) {
      out->push_back(static_cast<char>(bits_ >> 16));
      out->push_back(static_cast<char>(bits_ >> 8));
      out->push_back(static_cast<char>(bits_));
      bits_ = 0;
      count_ = 0;
    }
  }
}

void Base64Decoder::finish(std::string* out) {
  // 2 sextets hold one byte, 3 hold two; a lone sextet holds none.
  if (count_ == 2) out->push_back(static_cast<char>(bits_ >> 4));
  if (count_ == 3) {
    out->push_back(static_cast<char>(bits_ >> 10));
    out->push_back(static_cast<char>(bits_ >> 2));
  }
  bits_ = 0;
  count_ = 0;
}

void QpDecoder::feed(std::string_view in, std::string* out) {
  out->reserve(out->size() + in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (pending_.empty()) {  // fast path: a run of plain characters is copied at once
      size_t end = i;
      while (end < in.size() && in[end] != '=' && in[end] != ' ' && in[end] != '\t' && in[end] != '\r' &&
             in[end] != '\n') {
        ++end;
      }
      if (end > i) {
        out->append(in.substr(i, end - i));
        i = end - 1;
        continue;
      }
    }
    char c = in[i];
    if (!pending_.empty() && pending_[0] == '=') {
      // "=" so far: hex digits, a soft line break (possibly after white space), or junk.
      if (pending_.size() == 1 && hex_value(static_cast<unsigned char>(c)) >= 0) {
        pending_.push_back(c);
        continue;
      }
      if (pending_.size() == 2 && hex_value(static_cast<unsigned char>(pending_[1])) >= 0 &&
          !is_wsp(pending_[1])) {
        int hi = hex_value(static_cast<unsigned char>(pending_[1]));
        int lo = hex_value(static_cast<unsigned char>(c));
        if (lo >= 0) {
          out->push_back(static_cast<char>(hi * 16 + lo));
          pending_.clear();
          continue;
        }
        out->append(pending_);  // "=X" followed by a non-hex: literal
        pending_.clear();
      } else if (is_wsp(c) && pending_.find_first_not_of(" \t", 1) == std::string::npos) {
        pending_.push_back(c);  // "=   " may still be a soft break with trailing space
        continue;
      } else if (c == '\r' && pending_.find_first_not_of(" \t", 1) == std::string::npos) {
        continue;  // wait for the LF
      } else if (c == '\n' && pending_.find_first_not_of(" \t", 1) == std::string::npos) {
        pending_.clear();  // soft line break
        continue;
      } else {
        out->append(pending_);
        pending_.clear();
      }
    }
    if (is_wsp(c)) {
      pending_.push_back(c);  // held until we know whether the line ends here
      continue;
    }
    if (c == '\r') continue;  // CRLF and bare LF both end a line; a lone CR is dropped
    if (c == '\n') {
      pending_.clear();  // rule 3: trailing white space is not part of the data
      out->append("\r\n");
      continue;
    }
    out->append(pending_);
    pending_.clear();
    if (c == '=') {
      pending_.push_back(c);
      continue;
    }
    out->push_back(c);
  }
}

void QpDecoder::finish(std::string* out) {
  if (!pending_.empty() && pending_[0] == '=' && pending_.find_first_not_of(" \t", 1) != std::string::npos) {
    out->append(pending_);
  } else if (!pending_.empty() && pending_[0] == '=') {
    // "=" (+ white space) at the very end: a soft break without its line end
  } else {
    // trailing white space at the end of the data is dropped like at a line end
  }
  pending_.clear();
}

namespace {

// One encoded word "=?charset?enc?text?=" at value[pos] ("=?" there): its
// decoded UTF-8 in *utf8 and its length in *len; false if it is not one.
bool decode_word(std::string_view value, size_t pos, std::string* utf8, size_t* len) {
  size_t q1 = value.find('?', pos + 2);
  if (q1 == std::string_view::npos || q1 == pos + 2 || q1 + 3 >= value.size() || value[q1 + 2] != '?') return false;
  char enc = value[q1 + 1];
  size_t end = value.find("?=", q1 + 3);
  if (end == std::string_view::npos) return false;
  std::string_view charset = value.substr(pos + 2, q1 - pos - 2);
  if (size_t star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);  // RFC 2231 §5
  if (charset.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  std::string_view text = value.substr(q1 + 3, end - q1 - 3);
  if (text.find_first_of(" \t\r\n") != std::string_view::npos) return false;
  std::string raw;
  if (enc == 'B' || enc == 'b') {
    Base64Decoder d;
    d.feed(text, &raw);
    d.finish(&raw);
  } else if (enc == 'Q' || enc == 'q') {
    // RFC 2047 §4.2: "_" is a space, "=XX" a byte.
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '_') {
        raw.push_back(' ');
      } else if (text[i] == '=' && i + 2 < text.size() && hex_value(static_cast<unsigned char>(text[i + 1])) >= 0 &&
                 hex_value(static_cast<unsigned char>(text[i + 2])) >= 0) {
        raw.push_back(static_cast<char>(hex_value(static_cast<unsigned char>(text[i + 1])) * 16 +
                                        hex_value(static_cast<unsigned char>(text[i + 2]))));
        i += 2;
      } else {
        raw.push_back(text[i]);
      }
    }
  } else {
    return false;
  }
  // RFC 2047 §6.1 (a): a word in a charset we cannot read is shown as it is.
  if (!CharsetDecoder(charset).known()) return false;
  *utf8 = convert_to_utf8(charset, raw);
  *len = end + 2 - pos;
  return true;
}

}  // namespace

std::string decode_header_value(std::string_view value) {
  std::string out;
  std::string plain;  // undecoded text since the last encoded word
  bool after_word = false;
  auto flush_plain = [&](bool next_is_word) {
    // §6.2: white space alone between two encoded words is not displayed
    if (!(after_word && next_is_word && plain.find_first_not_of(" \t\r\n") == std::string::npos)) {
      out += convert_to_utf8("UTF-8", plain);
    }
    plain.clear();
  };
  size_t i = 0;
  while (i < value.size()) {
    if (value[i] == '=' && i + 1 < value.size() && value[i + 1] == '?') {
      std::string word;
      size_t len = 0;
      if (decode_word(value, i, &word, &len)) {
        flush_plain(true);
        out += word;
        after_word = true;
        i += len;
        continue;
      }
    }
    plain.push_back(value[i]);
    if (!is_wsp(value[i]) && value[i] != '\r' && value[i] != '\n') after_word = false;
    ++i;
  }
  flush_plain(false);
  return out;
}

}  // namespace loft::proto::mime

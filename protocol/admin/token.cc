#include "protocol/admin/token.h"

namespace loft::proto::admin {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '~' || c == '@' || c == '+' || c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;  // lower-case hex is refused: one encoding per string
}

}  // namespace

std::string encode_token(std::string_view raw) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(raw.size());
  for (unsigned char c : raw) {
    if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

Result<std::string> decode_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    if (c == '%') {
      int hi = i + 2 < token.size() ? hex_value(token[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(token[i + 2]) : -1;
      if (lo < 0) return make_error(Errc::bad_input, "bad %-escape in token");
      unsigned char byte = static_cast<unsigned char>(hi * 16 + lo);
      if (unreserved(byte)) return make_error(Errc::bad_input, "needless %-escape in token");
      out.push_back(static_cast<char>(byte));
      i += 2;
    } else if (unreserved(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      return make_error(Errc::bad_input, "unencoded byte in token");
    }
  }
  return out;
}

std::vector<std::string_view> split_tokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    if (sp == std::string_view::npos) {
      tokens.push_back(line.substr(start));
      return tokens;
    }
    tokens.push_back(line.substr(start, sp - start));
    start = sp + 1;
  }
}

}  // namespace loft::proto::admin

#include "protocol/sasl/plain.h"

#include <array>

#include "base/bytes.h"

namespace loft::proto::sasl {

namespace {
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> make_table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto kTable = make_table();
}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      unsigned char c = static_cast<unsigned char>(in[i + k]);
      // RFC 4648 §3.2: "=" only as the final one or two characters.
      if (c == '=' && i + 4 == in.size() && k >= 2) {
        v[k] = 0;
        ++pad;
        continue;
      }
      if (pad > 0 || kTable[c] < 0) return std::nullopt;
      v[k] = kTable[c];
    }
    uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<char>(n >> 16));
    if (pad < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t n = uint32_t(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) n |= uint32_t(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) n |= uint32_t(static_cast<unsigned char>(in[i + 2]));
    out.push_back(kBase64Alphabet[(n >> 18) & 63]);
    out.push_back(kBase64Alphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kBase64Alphabet[(n >> 6) & 63] : '=');
    out.push_back(i + 2 < in.size() ? kBase64Alphabet[n & 63] : '=');
  }
  return out;
}

std::optional<PlainCredentials> parse_plain(std::string_view decoded) {
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  size_t a = decoded.find('\0');
  if (a == std::string_view::npos) return std::nullopt;
  size_t b = decoded.find('\0', a + 1);
  if (b == std::string_view::npos || decoded.find('\0', b + 1) != std::string_view::npos) return std::nullopt;
  PlainCredentials c{std::string(decoded.substr(0, a)), std::string(decoded.substr(a + 1, b - a - 1)),
                     std::string(decoded.substr(b + 1))};
  if (c.authcid.empty() || c.password.empty()) return std::nullopt;
  return c;
}

bool authorizes_self(const PlainCredentials& c) { return c.authzid.empty() || iequals(c.authzid, c.authcid); }

}  // namespace loft::proto::sasl

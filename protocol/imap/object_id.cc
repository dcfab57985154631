#include "protocol/imap/object_id.h"

#include "base/bytes.h"
#include "base/keyed_hash.h"

namespace loft::proto::imap {
namespace {

// RFC 4648 §5 base64url: every character is one RFC 8474 allows.
constexpr char kObjectIdAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string derive(char kind, std::string_view key, uint64_t account, uint64_t id) {
  std::string data(1, kind);
  put_be64(&data, account);
  put_be64(&data, id);
  auto h = keyed_hash128(key, data);
  std::string out(1, kind);
  // 128 bits as 22 six-bit groups (the last holds 2 bits).
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : h) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kObjectIdAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kObjectIdAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

}  // namespace

bool is_object_id(std::string_view id) {
  if (id.empty() || id.size() > 255) return false;
  for (unsigned char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string mailbox_object_id(std::string_view key, uint64_t account, uint64_t mailbox) {
  return derive('F', key, account, mailbox);
}

std::string email_object_id(std::string_view key, uint64_t account, uint64_t blob) {
  return derive('M', key, account, blob);
}

}  // namespace loft::proto::imap

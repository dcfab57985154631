#include "base/keyed_hash.h"

#include <sodium.h>

#include <cassert>

namespace loft {

std::array<uint8_t, 16> keyed_hash128(std::string_view key, std::string_view data) {
  assert(key.size() >= crypto_generichash_KEYBYTES_MIN && key.size() <= crypto_generichash_KEYBYTES_MAX);
  std::array<uint8_t, 16> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     reinterpret_cast<const unsigned char*>(key.data()), key.size());
  return out;
}

}  // namespace loft

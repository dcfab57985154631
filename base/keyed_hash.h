// A keyed cryptographic hash (BLAKE2b, libsodium's crypto_generichash) for
// identifiers derived from internal ids under a secret key: stable for the
// same key and input, unpredictable and unlinkable without the key.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace loft {

// 16 bytes of BLAKE2b of data under key (key: 16 to 64 bytes; a shorter or
// longer one is a bug and asserts).
std::array<uint8_t, 16> keyed_hash128(std::string_view key, std::string_view data);

}  // namespace loft

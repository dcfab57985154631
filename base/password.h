// Password hashing with argon2id (libsodium's crypto_pwhash_str), so that a
// stolen store does not reveal passwords. Both calls are slow on purpose
// (tens of milliseconds): call them from a worker thread, never the loop.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace loft {

// Returns a self-describing "$argon2id$v=19$m=...,t=...,p=1$salt$hash" string.
Result<std::string> hash_password(std::string_view password);
// True when password matches a string made by hash_password; false otherwise,
// including for a malformed hash.
bool verify_password(std::string_view hash, std::string_view password);

}  // namespace loft

#include "base/password.h"

#include <sodium.h>

namespace loft {

namespace {
// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes. Enough to make
// offline guessing expensive while a login still costs only ~20 ms of a worker.
constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u * 1024 * 1024;

bool ensure_sodium() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}
}  // namespace

Result<std::string> hash_password(std::string_view password) {
  if (!ensure_sodium()) return make_error(Errc::internal, "libsodium failed to initialise");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    return make_error(Errc::temp, "out of memory while hashing a password");
  return std::string(out);
}

bool verify_password(std::string_view hash, std::string_view password) {
  if (!ensure_sodium()) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string h(hash);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

}  // namespace loft

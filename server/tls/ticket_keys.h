// Session-ticket keys shared by every TLS context of the process (RFC 5077
// §4 recommended ticket construction; TLS 1.3 tickets, RFC 8446 §4.6.1, use
// the same callback in OpenSSL 3.0). One key encrypts new tickets; the
// previous ones still decrypt (and ask for a fresh ticket), so a rotation or
// a certificate reload (a new SSL_CTX) never breaks resumption, and a key
// older than kKeep rotations is gone, which bounds how long a stolen key
// can decrypt recorded sessions.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <shared_mutex>

typedef struct ssl_ctx_st SSL_CTX;

namespace loft::server {

class TicketKeys {
 public:
  // rotate_every: how long one key issues tickets before the next one does.
  explicit TicketKeys(std::chrono::seconds rotate_every = std::chrono::hours(12));
  TicketKeys(const TicketKeys&) = delete;
  TicketKeys& operator=(const TicketKeys&) = delete;

  // Makes ctx issue and accept tickets with these keys; this object must
  // outlive ctx and every SSL made from it.
  void install(SSL_CTX* ctx);
  // Starts a new encrypting key now (also done when the current one is older
  // than rotate_every, at the next ticket issued). Thread-safe.
  void rotate();
  // How many keys still decrypt: the current one and kKeep - 1 previous ones.
  static constexpr size_t kKeep = 2;
  size_t size() const;

  struct Key {
    std::array<unsigned char, 16> name;
    std::array<unsigned char, 32> aes;   // AES-256-CBC
    std::array<unsigned char, 32> hmac;  // HMAC-SHA256
    std::chrono::steady_clock::time_point created;
  };
  // For the OpenSSL callback: the current key (rotated first if too old), or
  // the key named `name` (*current tells whether it is the current one).
  Key encrypting_key();
  bool find(const unsigned char* name, Key* out, bool* current) const;

 private:
  void rotate_locked();
  std::chrono::seconds rotate_every_;
  mutable std::shared_mutex mu_;  // readers: every loop's handshakes
  std::deque<Key> keys_;          // front = current
};

}  // namespace loft::server

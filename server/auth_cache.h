// A cache of recent successful password checks, so a client that logs in
// again (Thunderbird's several connections, a phone reconnecting) does not
// pay argon2id's 19 MiB and ~50 ms of CPU each time (docs/architecture.md, "Security").
//
// An entry holds, per account name, a keyed BLAKE2b of (password, stored
// hash) under a random key made at start-up and never written anywhere, the
// stored argon2id hash it was checked against, and an expiry. A hit needs the
// same password AND the same stored hash: a password changed in the store
// makes the entry useless at once. Failures are never cached: a wrong
// password always pays the full argon2id check and the throttle's delay.
// Thread-safe (workers check passwords concurrently); memory is bounded by
// max_entries (about 150 bytes each).
#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace loft::server {

class AuthCache {
 public:
  // max_entries 0 or ttl_ms 0 disables the cache (every check is argon2id).
  AuthCache(size_t max_entries, uint64_t ttl_ms);

  // True if user logged in with this password against this stored hash
  // within the TTL. Never true for a password that was not verified before.
  bool verified(std::string_view user, std::string_view stored_hash, std::string_view password, uint64_t now_ms);
  // Records a successful argon2id check (evicting the least recently
  // remembered entry when full).
  void remember(std::string_view user, std::string_view stored_hash, std::string_view password, uint64_t now_ms);
  bool enabled() const { return max_entries_ > 0 && ttl_ms_ > 0; }
  size_t size();

 private:
  using Tag = std::array<unsigned char, 32>;
  struct Entry {
    Tag tag;
    uint64_t expires_ms = 0;
    std::list<std::string>::iterator order;  // position in order_ (oldest first)
  };
  Tag tag_of(std::string_view user, std::string_view stored_hash, std::string_view password) const;

  size_t max_entries_;
  uint64_t ttl_ms_;
  std::array<unsigned char, 32> key_{};
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;
};

}  // namespace loft::server

// Recent successful password checks (see auth_cache.h).
#include "server/auth_cache.h"

#include <sodium.h>

namespace loft::server {

AuthCache::AuthCache(size_t max_entries, uint64_t ttl_ms) : max_entries_(max_entries), ttl_ms_(ttl_ms) {
  if (sodium_init() < 0) max_entries_ = 0;  // no key source: stay disabled
  randombytes_buf(key_.data(), key_.size());
}

AuthCache::Tag AuthCache::tag_of(std::string_view user, std::string_view stored_hash,
                                 std::string_view password) const {
  // Lengths first, so no two (user, hash, password) triples share an input.
  crypto_generichash_state st;
  crypto_generichash_init(&st, key_.data(), key_.size(), sizeof(Tag));
  uint64_t lens[3] = {user.size(), stored_hash.size(), password.size()};
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(lens), sizeof(lens));
  for (std::string_view s : {user, stored_hash, password})
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  Tag tag;
  crypto_generichash_final(&st, tag.data(), tag.size());
  return tag;
}

bool AuthCache::verified(std::string_view user, std::string_view stored_hash, std::string_view password,
                         uint64_t now_ms) {
  if (!enabled()) return false;
  Tag tag = tag_of(user, stored_hash, password);
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(user));
  if (it == entries_.end()) return false;
  if (now_ms >= it->second.expires_ms) {
    order_.erase(it->second.order);
    entries_.erase(it);
    return false;
  }
  return sodium_memcmp(tag.data(), it->second.tag.data(), tag.size()) == 0;
}

void AuthCache::remember(std::string_view user, std::string_view stored_hash, std::string_view password,
                         uint64_t now_ms) {
  if (!enabled()) return;
  Tag tag = tag_of(user, stored_hash, password);
  std::lock_guard lock(mu_);
  auto it = entries_.find(std::string(user));
  if (it != entries_.end()) {
    order_.erase(it->second.order);
    entries_.erase(it);
  }
  while (entries_.size() >= max_entries_ && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.emplace_back(user);
  entries_.emplace(std::string(user), Entry{tag, now_ms + ttl_ms_, std::prev(order_.end())});
}

size_t AuthCache::size() {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace loft::server

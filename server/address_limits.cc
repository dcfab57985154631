#include "server/address_limits.h"

namespace loft::server {

bool AddressLimits::acquire(std::string_view address) {
  std::lock_guard lock(mu_);
  size_t& n = open_[std::string(address)];
  if (n >= max_) {
    if (n == 0) open_.erase(std::string(address));
    return false;
  }
  ++n;
  return true;
}

void AddressLimits::release(std::string_view address) {
  std::lock_guard lock(mu_);
  auto it = open_.find(std::string(address));
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);  // the map holds only live addresses
}

size_t AddressLimits::count(std::string_view address) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(std::string(address));
  return it == open_.end() ? 0 : it->second;
}

}  // namespace loft::server

// Open connections per remote IP address, so one address cannot take every
// connection slot. Thread-safe: loops on several threads share one instance.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace loft::server {

class AddressLimits {
 public:
  explicit AddressLimits(size_t max_per_address) : max_(max_per_address) {}

  // Counts one more connection from address; false (and nothing counted)
  // when the address already has max_per_address open.
  bool acquire(std::string_view address);
  // Forgets one connection counted by acquire.
  void release(std::string_view address);
  // Connections counted for address (for tests and the log).
  size_t count(std::string_view address) const;

 private:
  const size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, size_t> open_;  // only addresses with open connections
};

}  // namespace loft::server

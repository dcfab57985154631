// Failed-login throttling, shared by every protocol's login. Failures are
// counted per remote address and per account name; the count decays after a
// quiet period. An address with recent failures waits before its next
// password check, each failure's answer is delayed by the account's count
// too, and an address with too many failures is locked out for a while.
// A successful login is never delayed by another address's failures: the
// per-account count only delays failures. Thread-safe; memory is bounded.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/config.h"

namespace loft::server {

class LoginThrottle {
 public:
  explicit LoginThrottle(const AuthConfig& config) : config_(config) {}

  // What an attempt from address must do before its password is checked.
  struct Before {
    bool locked_out = false;  // refuse without checking the password
    uint64_t delay_ms = 0;    // wait this long first (the address failed recently)
  };
  Before before_check(std::string_view address, uint64_t now_ms);

  // Records a failed check and returns how long to wait before answering it.
  // Logs the failure once (event=login result=failed), with the connection's
  // session id, address, account and counts.
  uint64_t record_failure(std::string_view address, std::string_view user, uint64_t now_ms, uint64_t session = 0);
  // Records a successful login: the account's failure count is forgotten.
  void record_success(std::string_view user);

  // Entries kept at most per table; the oldest quiet ones go first.
  static constexpr size_t kMaxEntries = 65536;

 private:
  struct Entry {
    uint32_t failures = 0;
    uint64_t last_ms = 0;
    uint64_t locked_until_ms = 0;
  };
  using Table = std::unordered_map<std::string, Entry>;
  // The entry for key with its count decayed to now; created if missing.
  Entry& entry(Table& table, std::string_view key, uint64_t now_ms);
  uint64_t delay_for(uint32_t failures) const;
  // Quiet period after which failures are forgotten.
  uint64_t window_ms() const;

  const AuthConfig config_;
  std::mutex mu_;
  Table by_address_;
  Table by_user_;
};

}  // namespace loft::server

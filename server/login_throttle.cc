#include "server/login_throttle.h"

#include <algorithm>

#include "base/bytes.h"
#include "base/log.h"

namespace loft::server {

uint64_t LoginThrottle::window_ms() const {
  // Failures count for as long as a lockout lasts, and at least 5 minutes.
  return std::max<uint64_t>(uint64_t{config_.lockout_seconds} * 1000, 300000);
}

uint64_t LoginThrottle::delay_for(uint32_t failures) const {
  if (failures == 0 || config_.failure_delay_ms == 0) return 0;
  uint64_t d = config_.failure_delay_ms;
  for (uint32_t i = 1; i < failures && d < config_.failure_delay_max_ms; ++i) d *= 2;
  return std::min<uint64_t>(d, config_.failure_delay_max_ms);
}

LoginThrottle::Entry& LoginThrottle::entry(Table& table, std::string_view key, uint64_t now_ms) {
  if (table.size() >= kMaxEntries && !table.count(std::string(key))) {
    // Bounded: drop entries that went quiet, or failing that, all of them
    // (an attacker spraying addresses gains nothing but a reset of others').
    std::erase_if(table, [&](const auto& kv) { return now_ms - kv.second.last_ms > window_ms(); });
    if (table.size() >= kMaxEntries) table.clear();
  }
  Entry& e = table[std::string(key)];
  if (e.failures > 0 && now_ms - e.last_ms > window_ms()) e.failures = 0;
  return e;
}

LoginThrottle::Before LoginThrottle::before_check(std::string_view address, uint64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = by_address_.find(std::string(address));
  if (it == by_address_.end()) return {};
  Entry& e = entry(by_address_, address, now_ms);
  Before b;
  b.locked_out = e.locked_until_ms > now_ms;
  b.delay_ms = delay_for(e.failures);
  return b;
}

uint64_t LoginThrottle::record_failure(std::string_view address, std::string_view user, uint64_t now_ms,
                                      uint64_t session) {
  std::lock_guard lock(mu_);
  Entry& a = entry(by_address_, address, now_ms);
  ++a.failures;
  a.last_ms = now_ms;
  bool locked = false;
  if (config_.lockout_failures > 0 && a.failures >= config_.lockout_failures && a.locked_until_ms <= now_ms) {
    a.locked_until_ms = now_ms + uint64_t{config_.lockout_seconds} * 1000;
    locked = true;
  }
  std::string name = ascii_lower(user);
  Entry& u = entry(by_user_, name, now_ms);
  ++u.failures;
  u.last_ms = now_ms;
  uint64_t delay = delay_for(u.failures);
  LogEvent event(LogLevel::info, "auth", "login");
  if (session) event.session(session);
  event.remote(address).user(name).field("result", "failed").field("address_failures", a.failures)
      .field("user_failures", u.failures).field("delay_ms", delay);
  if (locked) event.field("locked_out", 1);
  return delay;
}

void LoginThrottle::record_success(std::string_view user) {
  std::lock_guard lock(mu_);
  by_user_.erase(ascii_lower(user));
}

}  // namespace loft::server

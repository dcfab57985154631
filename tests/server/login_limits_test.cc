// LoginThrottle (failure delays, lockout, decay, bounds) and AddressLimits.
#include <doctest/doctest.h>

#include <string>

#include "server/address_limits.h"
#include "server/login_throttle.h"

namespace server_login_limits_test {

using loft::AuthConfig;
using loft::server::AddressLimits;
using loft::server::LoginThrottle;

namespace {
AuthConfig config() {
  AuthConfig c;
  c.failure_delay_ms = 100;
  c.failure_delay_max_ms = 1000;
  c.lockout_failures = 5;
  c.lockout_seconds = 600;
  return c;
}
}  // namespace

TEST_CASE("an address without failures is neither delayed nor locked out") {
  LoginThrottle t(config());
  auto b = t.before_check("10.0.0.1", 0);
  CHECK_FALSE(b.locked_out);
  CHECK(b.delay_ms == 0);
}

TEST_CASE("failure delays double per account failure and are capped") {
  LoginThrottle t(config());
  CHECK(t.record_failure("10.0.0.1", "Alice", 1000) == 100);
  CHECK(t.record_failure("10.0.0.2", "alice", 1001) == 200);  // names are case-insensitive
  CHECK(t.record_failure("10.0.0.3", "alice", 1002) == 400);
  CHECK(t.record_failure("10.0.0.4", "alice", 1003) == 800);
  CHECK(t.record_failure("10.0.0.5", "alice", 1004) == 1000);
  CHECK(t.record_failure("10.0.0.6", "alice", 1005) == 1000);
  // Another account's first failure starts low again.
  CHECK(t.record_failure("10.0.0.1", "bob", 1006) == 100);
}

TEST_CASE("an address with failures waits before its next check; others do not") {
  LoginThrottle t(config());
  t.record_failure("10.0.0.1", "alice", 0);
  t.record_failure("10.0.0.1", "bob", 1);
  CHECK(t.before_check("10.0.0.1", 2).delay_ms == 200);
  CHECK(t.before_check("10.0.0.9", 2).delay_ms == 0);
}

TEST_CASE("a success forgets the account's failures, not the address's") {
  LoginThrottle t(config());
  t.record_failure("10.0.0.1", "alice", 0);
  t.record_failure("10.0.0.1", "alice", 1);
  t.record_success("ALICE");
  CHECK(t.record_failure("10.0.0.2", "alice", 2) == 100);
  CHECK(t.before_check("10.0.0.1", 3).delay_ms == 200);
}

TEST_CASE("too many failures lock an address out for the lockout period only") {
  LoginThrottle t(config());
  for (int i = 0; i < 4; ++i) t.record_failure("10.0.0.1", "u" + std::to_string(i), uint64_t(i));
  CHECK_FALSE(t.before_check("10.0.0.1", 10).locked_out);
  t.record_failure("10.0.0.1", "u4", 11);
  CHECK(t.before_check("10.0.0.1", 12).locked_out);
  CHECK_FALSE(t.before_check("10.0.0.2", 12).locked_out);
  CHECK_FALSE(t.before_check("10.0.0.1", 11 + 600 * 1000 + 1).locked_out);
}

TEST_CASE("failures are forgotten after a quiet period") {
  LoginThrottle t(config());
  t.record_failure("10.0.0.1", "alice", 0);
  uint64_t later = 601 * 1000;  // past max(lockout_seconds, 5 min)
  CHECK(t.before_check("10.0.0.1", later).delay_ms == 0);
  CHECK(t.record_failure("10.0.0.2", "alice", later) == 100);
}

TEST_CASE("the throttle's memory is bounded whatever the number of addresses") {
  LoginThrottle t(config());
  for (size_t i = 0; i < LoginThrottle::kMaxEntries + 100; ++i)
    t.record_failure("a" + std::to_string(i), "u" + std::to_string(i), 0);
  // Still answers, and a fresh address is not delayed.
  CHECK(t.before_check("fresh", 1).delay_ms == 0);
}

TEST_CASE("per-address connection counts are capped and released") {
  AddressLimits a(2);
  CHECK(a.acquire("10.0.0.1"));
  CHECK(a.acquire("10.0.0.1"));
  CHECK_FALSE(a.acquire("10.0.0.1"));
  CHECK(a.acquire("10.0.0.2"));
  CHECK(a.count("10.0.0.1") == 2);
  a.release("10.0.0.1");
  CHECK(a.acquire("10.0.0.1"));
  a.release("10.0.0.1");
  a.release("10.0.0.1");
  CHECK(a.count("10.0.0.1") == 0);
  a.release("10.0.0.9");  // unknown: ignored
  CHECK(a.count("10.0.0.9") == 0);
}

}  // namespace server_login_limits_test

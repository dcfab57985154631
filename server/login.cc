#include "server/login.h"

#include <chrono>
#include <memory>
#include <string>

#include "base/log.h"
#include "base/password.h"
#include "server/connection.h"
#include "server/login_throttle.h"
#include "server/loop.h"
#include "server/server.h"
#include "server/work_quota.h"

namespace loft::server {

namespace {
// Milliseconds of a monotonic clock, readable on a worker thread (uv_now is
// the loop's).
uint64_t steady_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto h = hash_password("loft-dummy-password");
    return h ? *h : std::string();
  }();
  return hash;
}
}  // namespace

LoginCheck check_login(storage::Store& store, AuthCache* cache, std::string_view user, std::string_view password,
                       uint64_t now_ms) {
  LoginCheck out;
  auto account = store.find_account(user);
  if (!account) {
    out.temp_failure = account.error().code != Errc::not_found;
    verify_password(dummy_hash(), password);
    return out;
  }
  if (cache && cache->verified(account->name, account->password_hash, password, now_ms)) {
    out.account = std::move(*account);
    return out;
  }
  if (verify_password(account->password_hash, password)) {
    if (cache) cache->remember(account->name, account->password_hash, password, now_ms);
    out.account = std::move(*account);
  }
  return out;
}

void gated_login(Connection& conn, std::string user, std::string password, std::function<void(LoginCheck)> done) {
  Server& server = conn.server();
  LoginThrottle::Before before = server.login_throttle().before_check(conn.peer_address(), uv_now(conn.loop().uv()));
  if (before.locked_out) {
    LogEvent(LogLevel::info, "auth", "login").session(conn.id()).remote(conn.peer_address()).user(user)
        .field("result", "refused").field("locked_out", 1);
    LoginCheck locked;
    locked.locked_out = true;
    conn.after_delay(before.delay_ms, [done = std::move(done), locked] { done(locked); });
    return;
  }
  auto check = [&conn, &server, user = std::move(user), password = std::move(password), done = std::move(done),
                urgent = before.delay_ms == 0]() mutable {
    auto outcome = std::make_shared<LoginCheck>();
    server.auth_quota().submit(
        conn, urgent,
        [&server, outcome, user, password = std::move(password)] {
          *outcome = check_login(server.store(), &server.auth_cache(), user, password, steady_ms());
        },
        [&conn, &server, outcome, user, done = std::move(done)] {
          if (outcome->account) {
            server.login_throttle().record_success(user);
            done(std::move(*outcome));
            return;
          }
          if (outcome->temp_failure) {
            done(std::move(*outcome));
            return;
          }
          uint64_t delay = server.login_throttle().record_failure(conn.peer_address(), user, uv_now(conn.loop().uv()), conn.id());
          conn.after_delay(delay, [done, outcome] { done(std::move(*outcome)); });
        });
  };
  if (before.delay_ms == 0) check();
  else conn.after_delay(before.delay_ms, std::move(check));
}

}  // namespace loft::server

// The password check shared by every protocol's login (IMAP LOGIN and
// AUTHENTICATE, POP3 USER/PASS and AUTH). Blocking: call it from a worker.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth_cache.h"
#include "storage/store.h"

namespace loft::server {

class Connection;

struct LoginCheck {
  std::optional<storage::Account> account;  // set when the password matched
  bool temp_failure = false;                // the store could not be read: try again later
  bool locked_out = false;                  // too many failures from this address: not checked
};

// Looks up user and verifies password (argon2id, or a hit in cache when not
// null). An unknown user costs the same verification, so that timing does not
// tell which names exist; only a name that logged in before can be fast.
LoginCheck check_login(storage::Store& store, AuthCache* cache, std::string_view user, std::string_view password,
                       uint64_t now_ms);

// The login every session uses: waits out the address's failure penalty on a
// timer, checks the password on a worker within the server's hashing quota
// (addresses without recent failures first), records the outcome, delays a
// failure's answer, and calls done on the loop thread (never if conn closed).
void gated_login(Connection& conn, std::string user, std::string password, std::function<void(LoginCheck)> done);

}  // namespace loft::server

// The password check shared by every protocol's login (IMAP LOGIN and
// AUTHENTICATE, POP3 USER/PASS and AUTH). Blocking: call it from a worker.
#pragma once

#include <optional>
#include <string_view>

#include "storage/store.h"

namespace loft::server {

struct LoginCheck {
  std::optional<storage::Account> account;  // set when the password matched
  bool temp_failure = false;                // the store could not be read: try again later
};

// Looks up user and verifies password (argon2id). An unknown user costs the
// same verification, so that timing does not tell which names exist.
LoginCheck check_login(storage::Store& store, std::string_view user, std::string_view password);

}  // namespace loft::server

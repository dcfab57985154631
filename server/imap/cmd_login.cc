// RFC 3501 §6.2.3 LOGIN, and the password check shared with AUTHENTICATE.
#include "base/log.h"
#include "base/password.h"
#include "server/connection.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace {
// Verified when the user does not exist, so that a failed login takes as long
// whether or not the name is known (no account enumeration by timing).
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto h = hash_password("loft-dummy-password");
    return h ? *h : std::string();
  }();
  return hash;
}
}  // namespace

void ImapSession::handle(const std::string& tag, const proto::imap::CmdLogin& c) {
  if (!auth_allowed()) {
    tagged(tag, "NO", "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    return;
  }
  authenticate(tag, c.user, c.password);
}

void ImapSession::authenticate(const std::string& tag, std::string user, std::string password) {
  busy_ = true;
  struct Outcome {
    std::optional<storage::Account> account;
    bool temp_failure = false;
  };
  auto outcome = std::make_shared<Outcome>();
  conn().offload(
      [this, outcome, user = std::move(user), password = std::move(password)] {
        auto account = store().find_account(user);
        if (!account) {
          outcome->temp_failure = account.error().code != Errc::not_found;
          verify_password(dummy_hash(), password);
          return;
        }
        if (verify_password(account->password_hash, password)) outcome->account = std::move(*account);
      },
      [this, tag, outcome] {
        if (outcome->account) {
          log_info("imap: login ", outcome->account->name, " from ", conn().peer());
          set_account(std::move(*outcome->account));
          set_state(proto::imap::kAuthenticated);
          tagged(tag, "OK", "[CAPABILITY " + capabilities() + "] Logged in");
        } else if (outcome->temp_failure) {
          tagged(tag, "NO", "[UNAVAILABLE] Temporary authentication failure, try again later.");
        } else {
          log_info("imap: failed login from ", conn().peer());
          tagged(tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
        }
        finish();
      });
}

}  // namespace loft::server::imap

// RFC 3501 §6.2.3 LOGIN, and the password check shared with AUTHENTICATE.
#include "base/log.h"
#include "server/connection.h"
#include "server/login.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdLogin& c) {
  if (!auth_allowed()) {
    tagged(tag, "NO", "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    return;
  }
  authenticate(tag, c.user, c.password);
}

void ImapSession::authenticate(const std::string& tag, std::string user, std::string password) {
  busy_ = true;
  auto outcome = std::make_shared<LoginCheck>();
  conn().offload(
      [this, outcome, user = std::move(user), password = std::move(password)] {
        *outcome = check_login(store(), user, password);
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

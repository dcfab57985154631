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
  gated_login(conn(), std::move(user), std::move(password), [this, tag](LoginCheck outcome) {
    if (outcome.account) {
      LogEvent(LogLevel::info, "imap", "login").session(conn().id()).remote(conn().peer()).user(outcome.account->name)
          .field("result", "ok");
      set_account(std::move(*outcome.account));
      set_state(proto::imap::kAuthenticated);
      tagged(tag, "OK", "[CAPABILITY " + capabilities() + "] Logged in");
    } else if (outcome.temp_failure) {
      tagged(tag, "NO", "[UNAVAILABLE] Temporary authentication failure, try again later.");
    } else if (outcome.locked_out) {
      // RFC 5530 UNAVAILABLE: temporary; the address failed too often.
      tagged(tag, "NO", "[UNAVAILABLE] Too many failed logins from your address, try again later.");
    } else {
      tagged(tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
    }
    finish();
  });
}

}  // namespace loft::server::imap

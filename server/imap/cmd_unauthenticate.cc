// RFC 8437 UNAUTHENTICATE: the session goes back to the not-authenticated
// state, as if the connection had just been opened, without closing it.
#include "server/connection.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdUnauthenticate&) {
  // RFC 8437 §3: a selected mailbox is closed as UNSELECT closes it (no
  // expunge); everything tied to the authenticated identity goes, including
  // what ENABLE turned on. TLS and COMPRESS are properties of the connection
  // and stay (§3: the security layer is not reset; RFC 4978 has no way back).
  deselect();
  account_.reset();
  notifier_.reset();  // RFC 5465: it listens to the old account's changes
  enabled_ = 0;
  sasl_tag_.reset();
  sasl_login_ = false;
  sasl_user_.reset();
  // The pre-login limits and the login timeout apply again (server/session.h).
  set_state(proto::imap::kNotAuthenticated);
  conn().restart_login_clock();
  tagged(tag, proto::imap::Status::ok, "UNAUTHENTICATE completed");
}

}  // namespace loft::server::imap

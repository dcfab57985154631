// RFC 3501 §6.1.3 LOGOUT: BYE, then the tagged OK, then the server closes.
#include "server/connection.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdLogout&) {
  bye("Logging out");
  tagged(tag, proto::imap::Status::ok, "LOGOUT completed");
  set_logged_out();
  conn().close_after_flush();
}

}  // namespace loft::server::imap

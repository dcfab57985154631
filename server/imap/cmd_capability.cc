// RFC 3501 §6.1.1 CAPABILITY.
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdCapability&) {
  send("* CAPABILITY " + capabilities() + "\r\n");
  tagged(tag, "OK", "CAPABILITY completed");
}

}  // namespace loft::server::imap

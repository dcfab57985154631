// RFC 3501 §6.1.1 CAPABILITY.
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdCapability&) {
  std::string caps = capabilities();
  reply(proto::imap::CapabilityResponse{caps});
  tagged(tag, proto::imap::Status::ok, "CAPABILITY completed");
}

}  // namespace loft::server::imap

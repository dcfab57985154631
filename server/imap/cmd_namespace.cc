// RFC 2342 NAMESPACE: one personal namespace with no prefix and "/" as its
// delimiter; no other users' and no shared namespaces.
#include "protocol/imap/mailbox_response.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdNamespace&) {
  std::string out;
  proto::imap::NamespaceResponse{}.serialize(&out);
  send(out);
  tagged(tag, "OK", "NAMESPACE completed");
}

}  // namespace loft::server::imap

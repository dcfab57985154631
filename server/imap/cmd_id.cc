// RFC 2971 ID, in any state: the server's name and version, nothing more (an
// unusual answer is known to break Outlook's login). What the client sent is
// not used.
#include "protocol/imap/mailbox_response.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdId&) {
  static const std::pair<std::string, std::string> kFields[] = {{"name", "Loft"}, {"version", LOFT_VERSION}};
  std::string out;
  proto::imap::IdResponse{kFields}.serialize(&out);
  send(out);
  tagged(tag, "OK", "ID completed");
}

}  // namespace loft::server::imap

// RFC 3501 §6.2.1 STARTTLS (and RFC 2595): only before login, only on a
// listener configured for it, only once.
#include "server/connection.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdStartTls&) {
  if (conn().tls_active()) {
    tagged(tag, "BAD", "TLS is already active");
    return;
  }
  if (conn().listener().tls != TlsMode::starttls) {
    tagged(tag, "BAD", "STARTTLS is not offered on this port");
    return;
  }
  tagged(tag, "OK", "Begin TLS negotiation now");
  conn().start_tls();
  // Anything the client pipelined after STARTTLS was sent in the clear and
  // must not be trusted (RFC 3501 §6.2.1; the STARTTLS injection attacks).
  discard_buffered_input();
  parser_.reset();
}

}  // namespace loft::server::imap

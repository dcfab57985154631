// RFC 4978 §3 COMPRESS: after login, once per connection, DEFLATE only. The
// tagged OK is the last uncompressed output; every byte after the CRLF of
// the command, in both directions, is raw DEFLATE (RFC 1951).
#include "server/connection.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdCompress& c) {
  if (c.mechanism != "DEFLATE") {
    // RFC 4978 §3: BAD for an unknown mechanism (the grammar has DEFLATE only).
    tagged(tag, "BAD", "Unknown compression mechanism");
    return;
  }
  if (conn().compress_active()) {
    // RFC 4978 §3: NO with COMPRESSIONACTIVE, saying which layer compresses.
    tagged(tag, "NO", "[COMPRESSIONACTIVE] DEFLATE is already active on this connection");
    return;
  }
  tagged(tag, "OK", "DEFLATE active");
  conn().start_compress();
  // Anything the client sent after this command line is compressed: step()
  // hands it back to the connection to inflate.
  compress_started_ = true;
}

}  // namespace loft::server::imap

// RFC 5267 §4.3.5 CANCELUPDATE: the contexts named stop being updated. A tag
// that names no live context is answered NO, as Dovecot does; the tags
// before it are cancelled all the same.
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdCancelUpdate& c) {
  for (const std::string& t : c.tags) {
    if (!contexts().cancel(t)) {
      tagged(tag, pi::Status::no, "Unknown search context tag");
      return;
    }
  }
  tagged(tag, pi::Status::ok, "CANCELUPDATE completed");
}

}  // namespace loft::server::imap

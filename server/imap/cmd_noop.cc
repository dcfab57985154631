// RFC 3501 §6.1.2 NOOP: the classic way to poll for new mail, so in the
// selected state it reports what changed (§7.3.1 EXISTS, §7.4.1 EXPUNGE,
// §7.4.2 FETCH FLAGS) before the tagged OK. The view already holds every
// change the store published (server/imap/mailbox_view.h): nothing is reloaded.
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdNoop&) {
  sync_mailbox([this, tag] { tagged(tag, proto::imap::Status::ok, "NOOP completed"); });
}

}  // namespace loft::server::imap

// RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE. The message index (UIDs and
// flags in UID order) is loaded once on a worker and kept for the session;
// later changes arrive through the store's change feed.
#include "protocol/imap/writer.h"
#include "server/connection.h"
#include "server/imap/flags.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdSelect& c) {
  busy_ = true;
  // §6.3.1: a SELECT deselects the current mailbox first, even if it fails.
  deselect();
  struct Loaded {
    Result<storage::MailboxInfo> info = Error{Errc::internal, "not loaded"};
    Result<std::vector<storage::MessageSummary>> index = std::vector<storage::MessageSummary>{};
  };
  auto loaded = std::make_shared<Loaded>();
  storage::AccountId account_id = account().id;
  conn().offload(
      [this, loaded, account_id, name = c.mailbox] {
        loaded->info = store().find_mailbox(account_id, name);
        if (loaded->info) loaded->index = store().message_index(loaded->info->id);
      },
      [this, loaded, tag, read_only = c.read_only, name = c.mailbox] {
        if (!loaded->info || !loaded->index) {
          const Error& e = loaded->info ? loaded->index.error() : loaded->info.error();
          if (e.code == Errc::not_found) tagged(tag, "NO", "[NONEXISTENT] Mailbox doesn't exist: " + name);
          else tagged_error(tag, e);
          finish();
          return;
        }
        storage::MailboxInfo info = *loaded->info;
        auto& index = *loaded->index;
        // A delivery may have committed between the two reads: trust the index.
        if (!index.empty() && info.uidnext <= index.back().uid) info.uidnext = index.back().uid + 1;
        std::string out;
        out += std::string("* FLAGS ") + kSystemFlagList + "\r\n";
        out += read_only ? "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n"
                         : std::string("* OK [PERMANENTFLAGS ") + kSystemFlagList + "] Flags permitted.\r\n";
        out += "* " + std::to_string(index.size()) + " EXISTS\r\n";
        out += "* 0 RECENT\r\n";
        for (size_t i = 0; i < index.size(); ++i) {
          if (!(index[i].flags & storage::kSeen)) {
            out += "* OK [UNSEEN " + std::to_string(i + 1) + "] First unseen.\r\n";
            break;
          }
        }
        out += "* OK [UIDVALIDITY " + std::to_string(info.uidvalidity) + "] UIDs valid\r\n";
        out += "* OK [UIDNEXT " + std::to_string(info.uidnext) + "] Predicted next UID\r\n";
        send(out);
        select(std::move(info), std::move(index), read_only);
        tagged(tag, "OK", read_only ? "[READ-ONLY] Examine completed" : "[READ-WRITE] Select completed");
        finish();
      });
}

}  // namespace loft::server::imap

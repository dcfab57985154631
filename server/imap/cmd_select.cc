// RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE. The message index (UIDs and
// flags in UID order) is loaded once on a worker and kept for the session;
// later changes arrive through the store's change feed.
#include "protocol/imap/writer.h"
#include "server/connection.h"
#include "server/imap/flags.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdSelect& c) {
  busy_ = true;
  // §6.3.1: a SELECT deselects the current mailbox first, even if it fails.
  deselect();
  auto info = std::make_shared<Result<storage::MailboxInfo>>(Error{Errc::internal, "not loaded"});
  storage::AccountId account_id = account().id;
  conn().offload([this, info, account_id, name = c.mailbox] { *info = store().find_mailbox(account_id, name); },
                 [this, info, tag, read_only = c.read_only, name = c.mailbox] {
                   if (!*info) {
                     const Error& e = info->error();
                     if (e.code == Errc::not_found) tagged(tag, "NO", "[NONEXISTENT] Mailbox doesn't exist: " + name);
                     else tagged_error(tag, e);
                     finish();
                     return;
                   }
                   load_selected(tag, std::move(info->value()), read_only);
                 });
}

void ImapSession::load_selected(const std::string& tag, storage::MailboxInfo info, bool read_only) {
  // The watch is registered before the index is read, so a change committed
  // while it loads is never missed: it marks the new selection as changed and
  // the next command that may report updates (NOOP) shows it.
  auto changed = std::make_shared<bool>(false);
  uint64_t watch =
      conn().server().watch_mailbox(info.id, [changed](const storage::MailboxChange&) { *changed = true; });
  auto index = std::make_shared<Result<std::vector<storage::MessageSummary>>>(std::vector<storage::MessageSummary>{});
  storage::MailboxId id = info.id;
  conn().offload(
      [this, index, id] { *index = store().message_index(id); },
      [this, index, tag, read_only, watch, changed, info = std::move(info)]() mutable {
        conn().server().unwatch_mailbox(watch);
        if (!*index) {
          tagged_error(tag, index->error());
          finish();
          return;
        }
        auto& msgs = index->value();
        // A delivery may have committed between the two reads: trust the index.
        if (!msgs.empty() && info.uidnext <= msgs.back().uid) info.uidnext = msgs.back().uid + 1;
        std::string out;
        out += std::string("* FLAGS ") + kSystemFlagList + "\r\n";
        out += read_only ? "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n"
                         : std::string("* OK [PERMANENTFLAGS ") + kSystemFlagList + "] Flags permitted.\r\n";
        out += "* " + std::to_string(msgs.size()) + " EXISTS\r\n";
        out += "* 0 RECENT\r\n";
        for (size_t i = 0; i < msgs.size(); ++i) {
          if (!(msgs[i].flags & storage::kSeen)) {
            out += "* OK [UNSEEN " + std::to_string(i + 1) + "] First unseen.\r\n";
            break;
          }
        }
        out += "* OK [UIDVALIDITY " + std::to_string(info.uidvalidity) + "] UIDs valid\r\n";
        out += "* OK [UIDNEXT " + std::to_string(info.uidnext) + "] Predicted next UID\r\n";
        send(out);
        // select() registers the selection's own watch on this same loop turn,
        // so no event falls between the two.
        select(std::move(info), std::move(msgs), read_only);
        selected()->changed = *changed;
        tagged(tag, "OK", read_only ? "[READ-ONLY] Examine completed" : "[READ-WRITE] Select completed");
        finish();
      });
}

}  // namespace loft::server::imap

// RFC 3501 §6.3.4 DELETE. INBOX is refused (the store says NOPERM). A
// mailbox with inferiors is deleted and its name stays as a \Noselect level
// while the inferiors exist; deleting such a level is NO [NONEXISTENT], as
// Dovecot answers (the RFC calls it an error). Subscriptions are kept (§6.3.6).
#include "protocol/imap/mailbox_name.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdDelete& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox, name_form()));
  if (!name) return;
  busy_ = true;
  struct Outcome {
    Result<void> result;
    storage::MailboxId id = 0;
  };
  auto out = std::make_shared<Outcome>();
  storage::AccountId account_id = account().id;
  // A commit that waits for its fsync on a worker: under the write quota.
  conn().server().store_write_quota().submit(
      conn(), false, [this, out, account_id, name = *name] {
        auto found = store().find_mailbox(account_id, name);
        if (!found) {
          out->result = found.error();
          return;
        }
        out->id = found->id;
        out->result = store().delete_mailbox(account_id, name);
      },
      [this, out, tag, name = *name] {
        if (!out->result) {
          tagged_mailbox_error(*this, tag, out->result.error(), name);
          finish();
          return;
        }
        // The selected mailbox is gone: leave the selected state, and say so
        // with the RFC 7162 §3.2.11 CLOSED code, so no command runs on it.
        if (selected() && selected()->info.id == out->id) {
          deselect();
          send("* OK [CLOSED] The selected mailbox was deleted\r\n");
        }
        tagged(tag, "OK", "DELETE completed");
        finish();
      });
}

}  // namespace loft::server::imap

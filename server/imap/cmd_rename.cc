// RFC 3501 §6.3.5 RENAME: the mailbox and every name under it move (ids,
// UIDVALIDITY and UIDs stay); renaming INBOX moves its messages into a new
// mailbox and leaves INBOX empty. Missing superiors of the new name are
// created, as for CREATE.
#include "protocol/imap/mailbox_name.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdRename& c) {
  auto from = checked_name(*this, tag, pi::decode_mailbox_name(c.from, name_form()));
  if (!from) return;
  auto to = checked_new_name(*this, tag, c.to);
  if (!to) return;
  busy_ = true;
  auto result = std::make_shared<Result<void>>();
  storage::AccountId account_id = account().id;
  // A commit that waits for its fsync on a worker: under the write quota.
  conn().server().store_write_quota().submit(
      conn(), false, [this, result, account_id, from = *from, to = *to] {
        *result = store().rename_mailbox(account_id, from, to);
        if (*result) *result = create_superiors(store(), account_id, to);
      },
      [this, result, tag, from = *from, to = *to] {
        if (!*result) {
          const Error& e = result->error();
          tagged_mailbox_error(*this, tag, e, e.code == Errc::exists ? to : from);
        } else {
          // The selection follows its mailbox (same id) under its new name.
          Selected* sel = selected();
          if (sel && from != "INBOX") {
            std::string& n = sel->info.name;
            if (n == from || n.compare(0, from.size() + 1, from + "/") == 0) n = to + n.substr(from.size());
          }
          tagged(tag, "OK", "RENAME completed");
        }
        finish();
      });
}

}  // namespace loft::server::imap

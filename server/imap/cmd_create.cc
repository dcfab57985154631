// RFC 3501 §6.3.3 CREATE with RFC 6154 §3 CREATE-SPECIAL-USE. A trailing
// delimiter is dropped; missing superiors are created as real mailboxes
// (the RFC's SHOULD), so "CREATE a/b/c" leaves no \Noselect level behind.
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "protocol/imap/object_id.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdCreate& c) {
  auto name = checked_new_name(*this, tag, c.mailbox);
  if (!name) return;
  uint32_t use = 0;
  for (const std::string& attr : c.use) {
    uint32_t bit = pi::special_use_from_name(attr);
    // RFC 6154 §3: NO [USEATTR] for an attribute the server cannot honour.
    // \All and \Flagged name virtual mailboxes, which Loft does not have.
    if (bit == 0 || bit == pi::kSpecialAll || bit == pi::kSpecialFlagged) {
      tagged(tag, "NO", "[USEATTR] Unsupported special-use attribute " + attr);
      return;
    }
    use |= bit;
  }
  busy_ = true;
  auto result = std::make_shared<Result<void>>();
  auto id = std::make_shared<std::string>();
  storage::AccountId account_id = account().id;
  // Commits that wait for their fsync on a worker: under the write quota.
  conn().server().store_write_quota().submit(
      conn(), false, [this, result, id, account_id, name = *name, use] {
        *result = create_with_superiors(store(), account_id, name, use);
        if (!*result) return;
        // RFC 8474 §4.1: the OK of a CREATE carries the new MAILBOXID.
        if (auto made = store().find_mailbox(account_id, name))
          *id = pi::mailbox_object_id(store().object_key(), account_id, made->id);
      },
      [this, result, id, tag, name = *name] {
        if (*result && !id->empty()) tagged(tag, pi::Status::ok, pi::mailboxid_code(*id), "CREATE completed");
        else if (*result) tagged(tag, "OK", "CREATE completed");
        else tagged_mailbox_error(*this, tag, result->error(), name);
        finish();
      });
}

}  // namespace loft::server::imap

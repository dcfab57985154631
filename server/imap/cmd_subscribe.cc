// RFC 3501 §6.3.6 SUBSCRIBE and §6.3.7 UNSUBSCRIBE. SUBSCRIBE checks that the
// mailbox exists (the RFC allows it; Dovecot does the same) so a typo does
// not leave a dangling subscription; UNSUBSCRIBE of a name not subscribed
// is not an error.
#include "protocol/imap/mailbox_name.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSubscribe& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox, name_form()));
  if (!name) return;
  if (name->empty()) {
    tagged(tag, "NO", "[CANNOT] Empty mailbox name");
    return;
  }
  busy_ = true;
  auto result = std::make_shared<Result<void>>();
  storage::AccountId account_id = account().id;
  // A commit that waits for its fsync on a worker: under the write quota.
  conn().server().store_write_quota().submit(
      conn(), false, [this, result, account_id, name = *name, subscribe = c.subscribe] {
        if (!subscribe) {
          *result = store().unsubscribe(account_id, name);
          return;
        }
        auto found = store().find_mailbox(account_id, name);
        *result = found ? store().subscribe(account_id, name) : Result<void>(found.error());
      },
      [this, result, tag, name = *name, subscribe = c.subscribe] {
        const char* verb = subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
        if (*result) tagged(tag, "OK", std::string(verb) + " completed");
        else tagged_mailbox_error(*this, tag, result->error(), name);
        finish();
      });
}

}  // namespace loft::server::imap

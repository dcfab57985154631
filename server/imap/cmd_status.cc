// RFC 3501 §6.3.10 STATUS: counts from the mailbox record, without selecting
// it. RECENT is 0: Loft keeps no \Recent yet. HIGHESTMODSEQ (RFC 7162 §3.1.6)
// is the record's.
#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdStatus& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox));
  if (!name) return;
  // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) enables CONDSTORE.
  for (auto item : c.items)
    if (item == pi::CmdStatus::Item::highestmodseq) enable(pi::kEnableCondstore);
  busy_ = true;
  auto info = std::make_shared<Result<storage::MailboxInfo>>(Error{Errc::internal, "not loaded"});
  storage::AccountId account_id = account().id;
  conn().offload([this, info, account_id, name = *name] { *info = store().find_mailbox(account_id, name); },
                 [this, info, tag, items = c.items, name = *name] {
                   if (!*info) {
                     tagged_mailbox_error(*this, tag, info->error(), name);
                     finish();
                     return;
                   }
                   const storage::MailboxInfo& m = info->value();
                   pi::MailboxStatus st;
                   st.messages = m.messages;
                   st.uidnext = m.uidnext;
                   st.uidvalidity = m.uidvalidity;
                   st.unseen = m.unseen;
                   st.highestmodseq = m.highestmodseq;
                   std::string out;
                   pi::StatusDataResponse{m.name, items, st}.serialize(&out);
                   send(out);
                   tagged(tag, "OK", "STATUS completed");
                   finish();
                 });
}

}  // namespace loft::server::imap

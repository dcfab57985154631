// RFC 3501 §6.3.10 STATUS: counts from the mailbox record, without selecting
// it. RECENT counts the messages no session has claimed (recent_claims.h),
// plus this session's own \Recent ones when it has the mailbox selected.
// HIGHESTMODSEQ (RFC 7162 §3.1.6) is the record's.
#include <algorithm>

#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/recent_claims.h"
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
  auto recent = std::make_shared<Result<uint32_t>>(0u);
  bool want_recent = std::find(c.items.begin(), c.items.end(), pi::CmdStatus::Item::recent) != c.items.end();
  storage::AccountId account_id = account().id;
  conn().offload([this, info, recent, want_recent, account_id, name = *name] {
                   *info = store().find_mailbox(account_id, name);
                   if (*info && want_recent) *recent = RecentClaims::instance().count_unclaimed(store(), **info);
                 },
                 [this, info, recent, tag, items = c.items, name = *name] {
                   if (!*info) {
                     tagged_mailbox_error(*this, tag, info->error(), name);
                     finish();
                     return;
                   }
                   if (!*recent) {
                     tagged_error(tag, recent->error());
                     finish();
                     return;
                   }
                   const storage::MailboxInfo& m = info->value();
                   pi::MailboxStatus st;
                   st.messages = m.messages;
                   st.uidnext = m.uidnext;
                   st.uidvalidity = m.uidvalidity;
                   st.unseen = m.unseen;
                   st.recent = **recent;
                   if (selected() && selected()->info.id == m.id) st.recent += view()->recent_count();
                   st.highestmodseq = m.highestmodseq;
                   std::string out;
                   pi::StatusDataResponse{m.name, items, st}.serialize(&out);
                   send(out);
                   tagged(tag, "OK", "STATUS completed");
                   finish();
                 });
}

}  // namespace loft::server::imap

// RFC 3501 §6.3.10 STATUS: counts from the mailbox record, without selecting
// it. RECENT counts the messages no session has claimed (recent_claims.h),
// plus this session's own \Recent ones when it has the mailbox selected.
// HIGHESTMODSEQ (RFC 7162 §3.1.6) is the record's; SIZE, DELETED,
// DELETED-STORAGE and APPENDLIMIT come from status_data.h.
#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"
#include "server/imap/status_data.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdStatus& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox));
  if (!name) return;
  // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) enables CONDSTORE.
  for (auto item : c.items)
    if (item == pi::CmdStatus::Item::highestmodseq) enable(pi::kEnableCondstore);
  busy_ = true;
  struct Out {
    Result<storage::MailboxInfo> info{Error{Errc::internal, "not loaded"}};
    Result<pi::MailboxStatus> status{Error{Errc::internal, "not loaded"}};
  };
  auto res = std::make_shared<Out>();
  storage::AccountId account_id = account().id;
  uint64_t appendlimit = conn().server().config().limits.max_message_size;
  conn().offload(
      [this, res, account_id, name = *name, items = c.items, appendlimit] {
        res->info = store().find_mailbox(account_id, name);
        if (res->info) res->status = status_data(store(), *res->info, items, appendlimit);
      },
      [this, res, tag, items = c.items, name = *name] {
        if (!res->info || !res->status) {
          tagged_mailbox_error(*this, tag, !res->info ? res->info.error() : res->status.error(), name);
          finish();
          return;
        }
        pi::MailboxStatus st = *res->status;
        if (selected() && selected()->info.id == res->info->id) st.recent += view()->recent_count();
        std::string out;
        pi::StatusDataResponse{res->info->name, items, st}.serialize(&out);
        send(out);
        tagged(tag, "OK", "STATUS completed");
        finish();
      });
}

}  // namespace loft::server::imap

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

namespace {

bool has_recent(const std::vector<pi::CmdStatus::Item>& items) {
  for (auto item : items)
    if (item == pi::CmdStatus::Item::recent) return true;
  return false;
}

}  // namespace

bool ImapSession::rev2_status_items_ok(const std::vector<pi::CmdStatus::Item>& items) const {
  return !(enabled_ & pi::kEnableImap4rev2) || !has_recent(items);
}

void ImapSession::handle(const std::string& tag, const pi::CmdStatus& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox, name_form()));
  if (!name) return;
  // RFC 9051 Appendix E: RECENT is no STATUS item of IMAP4rev2.
  if (!rev2_status_items_ok(c.items)) {
    tagged(tag, "BAD", "STATUS RECENT does not exist in IMAP4rev2");
    return;
  }
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
        pi::StatusDataResponse{res->info->name, items, st, name_form()}.serialize(&out);
        send(out);
        tagged(tag, "OK", "STATUS completed");
        finish();
      });
}

}  // namespace loft::server::imap

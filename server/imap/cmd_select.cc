// RFC 3501 §6.3.1 SELECT and §6.3.2 EXAMINE (RFC 9051 §6.3.2, §6.3.3 for an
// IMAP4rev2 session). The session's view sits on the loop's shared index of
// the mailbox (loaded once on a worker for every session of the loop); later
// changes arrive through the store's change feed.
#include "protocol/imap/object_id.h"
#include "server/connection.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_response.h"
#include "server/imap/condstore.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdSelect& c) {
  // RFC 7162 §3.2.5: (QRESYNC ...) before ENABLE QRESYNC is BAD; so are
  // seq-match-data sets of different sizes.
  if (c.qresync && !(enabled_ & pi::kEnableQresync)) {
    tagged(tag, pi::Status::bad, "QRESYNC parameter needs ENABLE QRESYNC first");
    return;
  }
  if (c.qresync && !seq_match_ok(*c.qresync)) {
    tagged(tag, pi::Status::bad, "QRESYNC sequence match data of different sizes");
    return;
  }
  // RFC 3501 §5.1.3 / RFC 6855 §3: the name as sent, in the store's form.
  auto decoded = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox, name_form()));
  if (!decoded) return;
  busy_ = true;
  // §6.3.1: a SELECT deselects the current mailbox first, even if it fails;
  // RFC 7162 §3.2.11: saying so with [CLOSED] before the new mailbox's data.
  bool was_selected = selected() != nullptr;
  deselect();
  if (was_selected) reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::atom("CLOSED"), "Previous mailbox closed."});
  // RFC 7162 §3.1.8: SELECT (CONDSTORE) (and QRESYNC) enable CONDSTORE.
  if (c.condstore || c.qresync) enable(pi::kEnableCondstore);
  struct Found {
    Result<storage::MailboxInfo> info = Error{Errc::internal, "not loaded"};
    uint32_t list_attrs = 0;  // RFC 9051 §6.3.2, for an IMAP4rev2 session
  };
  auto found = std::make_shared<Found>();
  storage::AccountId account_id = account().id;
  bool rev2 = enabled_ & pi::kEnableImap4rev2;
  conn().offload(
      [this, found, account_id, name = *decoded, rev2] {
        found->info = store().find_mailbox(account_id, name);
        if (!found->info || !rev2) return;
        // §6.3.2: "The list of mailbox attributes MUST be accurate": the
        // children attribute needs the other names (a failure is the SELECT's).
        auto all = store().list_mailboxes(account_id);
        if (!all) found->info = all.error();
        else found->list_attrs = pi::mailbox_children_attr(found->info->name, list_entries(*all));
      },
      [this, found, tag, read_only = c.read_only, name = *decoded, qresync = c.qresync] {
        if (!found->info) {
          tagged_mailbox_error(*this, tag, found->info.error(), name);
          finish();
          return;
        }
        load_selected(tag, std::move(found->info.value()), read_only, qresync, found->list_attrs);
      });
}

void ImapSession::load_selected(const std::string& tag, storage::MailboxInfo info, bool read_only,
                                std::optional<pi::QresyncParams> qresync, uint32_t list_attrs) {
  // The shared index watches the mailbox before it is read, so a change
  // committed while it loads is applied after the load, never missed.
  auto shared = SharedIndex::acquire(conn().server(), info.id);
  selected_ = std::make_unique<Selected>();
  selected_->info = std::move(info);
  selected_->read_only = read_only;
  if (qresync) selected_->qresync = std::make_unique<pi::QresyncParams>(std::move(*qresync));
  selected_->list_attrs = list_attrs;
  selected_->view =
      std::make_unique<MailboxView>(shared, read_only, [this, tag](const Error* error) { selected_ready(tag, error); });
  if (shared->loaded()) selected_->view->on_loaded(nullptr);
  else shared->ensure_loading(conn());
}

void ImapSession::selected_ready(const std::string& tag, const Error* error) {
  if (error) {
    Error e = *error;
    selected_.reset();
    tagged_error(tag, e);
    finish();
    return;
  }
  MailboxView& v = *selected_->view;
  storage::MailboxInfo& info = selected_->info;
  const SharedIndex& shared = v.shared();
  // A delivery may have committed after find_mailbox: trust the index.
  info.uidnext = std::max(info.uidnext, shared.uidnext());
  std::vector<std::string> keywords = shared.defined_keywords();
  reply(pi::FlagsResponse{pi::kAllSystemFlags, keywords});
  // §7.1 PERMANENTFLAGS: what a STORE keeps; "\*": new keywords may be made.
  if (selected_->read_only)
    reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::permanentflags(0, {}, false), "Read-only mailbox."});
  else
    reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::permanentflags(pi::kAllSystemFlags, keywords, true),
                             "Flags permitted."});
  reply(pi::ExistsResponse{v.exists()});
  bool rev2 = enabled_ & pi::kEnableImap4rev2;
  // RFC 9051 Appendix E: no RECENT for rev2; §6.3.2: a LIST of the mailbox
  // instead, with the attributes a LIST without options gives it.
  if (!rev2) reply(pi::RecentResponse{v.recent_count()});
  v.set_hide_recent(rev2);
  if (rev2) {
    pi::ListItem item;
    item.name = info.name;
    item.attrs = selected_->list_attrs;
    item.special_use = info.special_use;
    reply(pi::ListResponse{pi::CmdList::Kind::list, &item, name_form()});
  }
  // RFC 9051 §6.3.2 dropped the UNSEEN code (Appendix E): rev1 sessions only.
  if (uint32_t unseen = rev2 ? 0 : v.first_unseen())
    reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::unseen(unseen), "First unseen."});
  reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::uidvalidity(info.uidvalidity), "UIDs valid"});
  reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::uidnext(info.uidnext), "Predicted next UID"});
  // RFC 8474 §4.1: SELECT and EXAMINE report the MAILBOXID.
  reply(pi::StatusResponse{"*", pi::Status::ok,
                           pi::mailboxid_code(pi::mailbox_object_id(store().object_key(), info.account, info.id)),
                           "Ok"});
  // RFC 7162 §3.1.2.1: every mailbox keeps modseqs, so always HIGHESTMODSEQ (never NOMODSEQ).
  reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::highestmodseq(highest_modseq(*selected_)),
                           "Highest"});
  state_ = pi::kSelected;
  v.set_notify([this] { idle_push(); });
  set_view_reporting();
  bool ro = selected_->read_only;
  auto done = [this, tag, ro](Result<void> r) {
    if (!r) {
      deselect();
      tagged_error(tag, r.error());
    } else {
      tagged(tag, pi::Status::ok, pi::ResponseCode::atom(ro ? "READ-ONLY" : "READ-WRITE"),
             ro ? "Examine completed" : "Select completed");
    }
    finish();
  };
  std::unique_ptr<pi::QresyncParams> q = std::move(selected_->qresync);
  // RFC 7162 §3.2.5: with another UIDVALIDITY the client's cache is void: nothing to resync.
  if (q && q->uidvalidity == info.uidvalidity) send_qresync(*this, *q, std::move(done));
  else done(Result<void>{});
}

}  // namespace loft::server::imap


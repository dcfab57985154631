// RFC 5465 NOTIFY: NOTIFY NONE drops what a NOTIFY SET asked for; NOTIFY SET
// checks the groups (§5, §6), makes the session's Notifier (notify.h) for the
// mailboxes not selected, and keeps the SELECTED group for the selected
// mailbox, whose updates are then pushed outside commands too (§5.2, §5.3).
// A successful NOTIFY SET is also an implicit NOOP (§3): its tagged reply
// carries the pending updates, as every command's does.
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/notify.h"
#include "server/connection.h"
#include "server/imap/fetch_job.h"
#include "server/imap/fetch_response.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/notify.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;
using Filter = pi::NotifyGroup::Filter;

void ImapSession::handle(const std::string& tag, const pi::CmdNotify& c) {
  if (!c.set) {
    notifier_.reset();
    tagged(tag, pi::Status::ok, "NOTIFY completed");
    return;
  }
  if (auto e = pi::notify_rule_error(c)) {
    tagged(tag, pi::Status::bad, *e);
    return;
  }
  if (pi::notify_has_unsupported(c)) {
    tagged(tag, pi::Status::no, pi::notify_badevent(), "Unsupported NOTIFY events");
    return;
  }
  size_t names = 0;
  for (const auto& g : c.groups) names += g.mailboxes.size();
  if (names > pi::kMaxNotifyNames) {
    tagged(tag, pi::Status::no, pi::ResponseCode::atom("LIMIT"), "Too many mailbox names in NOTIFY");
    return;
  }
  std::vector<Notifier::Group> groups;
  std::optional<Notifier::SelectedGroup> sel;
  for (const pi::NotifyGroup& g : c.groups) {
    if (g.filter == Filter::selected || g.filter == Filter::selected_delayed) {
      if (!(g.events & (pi::kNotifyMessageNew | pi::kNotifyFlagChange))) continue;  // NONE, or no message events
      if (!g.fetch.empty()) {
        auto needs = check_fetch_items(g.fetch);
        if (!needs) {
          tagged(tag, pi::Status::bad, needs.error().message);
          return;
        }
        // A notification must not change the mailbox: \Seen stays as it was.
        if (needs->sets_seen) {
          tagged(tag, pi::Status::bad, "MessageNew fetch attributes must not set \\Seen (use BODY.PEEK)");
          return;
        }
      }
      sel = Notifier::SelectedGroup{g.filter == Filter::selected, g.events, g.fetch};
      continue;
    }
    if (g.events == 0) continue;  // NONE: nothing from these mailboxes
    Notifier::Group out{g.filter, {}, g.events};
    for (const std::string& wire : g.mailboxes) {
      auto name = checked_name(*this, tag, pi::decode_mailbox_name(wire, name_form()));
      if (!name) return;
      out.names.push_back(pi::canonical_inbox(std::move(*name)));
    }
    groups.push_back(std::move(out));
  }
  auto n = std::make_shared<Notifier>(*this, std::move(groups), std::move(sel));
  n->start();
  notifier_ = n;
  if (!c.status) {
    tagged(tag, pi::Status::ok, "NOTIFY completed");
    return;
  }
  // §3: SET STATUS answers a STATUS for every mailbox it covers, before its OK.
  busy_ = true;
  n->initial_status([this, tag](Result<std::string> out) {
    if (!out) {
      notifier_.reset();  // the store failed: no NOTIFY in force, as after NOTIFY NONE
      tagged_error(tag, out.error());
    } else {
      if (!out->empty()) send(*out);
      tagged(tag, pi::Status::ok, "NOTIFY completed");
    }
    finish();
  });
}

void ImapSession::notify_ready() {
  if (!notifier_ || busy_ || logged_out_) return;
  // A client that does not read: events wait in the notifier, whose bound
  // ends in NOTIFICATIONOVERFLOW, not in an ever longer output queue.
  if (conn().output_full()) return;
  if (notifier_->overflowed()) {
    // §4: the client learns that events were dropped and must NOTIFY again.
    notifier_.reset();
    send("* OK [NOTIFICATIONOVERFLOW] Too many events: NOTIFY is off until the next NOTIFY SET\r\n");
    return;
  }
  std::string out;
  notifier_->take(&out);
  if (!out.empty()) send(out);
  notify_selected();
}

void ImapSession::notify_selected() {
  Selected* sel = selected();
  if (!sel || !notifier_ || !notifier_->selected() || busy_ || idle_tag_ || logged_out_) return;
  const Notifier::SelectedGroup& g = *notifier_->selected();
  // RFC 3501 §5.5: no EXPUNGE while the client may be sending a command that
  // uses the numbers it has; SELECTED-DELAYED keeps them for a command (§6.1).
  bool waiting = parser_.buffered() > 0 || (step_view_ ? !step_view_->empty() : input_.buffered() > 0);
  bool allow_expunge = g.immediate_expunge && !waiting;
  MailboxView& v = *sel->view;
  if (!v.has_updates(allow_expunge, (g.events & pi::kNotifyFlagChange) != 0)) return;
  uint32_t before = v.told_max();
  std::string out;
  write_updates(allow_expunge, &out);
  if (!out.empty()) send(out);
  if (v.told_max() > before && !g.fetch.empty()) notify_fetch(before + 1, v.told_max());
}

void ImapSession::notify_fetch(uint32_t from, uint32_t to) {
  const Notifier::SelectedGroup& g = *notifier_->selected();
  pi::CmdFetch c;
  c.uid = true;
  c.set.ranges.push_back({from, to});
  c.items = g.fetch;
  auto needs = check_fetch_items(c.items);
  if (!needs) return;  // checked by NOTIFY SET
  std::vector<MailboxView::SeqUid> found;
  view()->resolve_uids(c.set, &found);
  if (found.empty()) return;
  busy_ = true;  // until the FetchJob ends (finish), like a command
  fetch_ = std::make_unique<FetchJob>(*this, std::string(), std::move(c), *needs, std::move(found));
  fetch_->start();
}

}  // namespace loft::server::imap

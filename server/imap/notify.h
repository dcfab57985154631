// RFC 5465 NOTIFY for one session: which events of which mailboxes the
// client wants to hear of, and the untagged responses for the mailboxes it
// has not selected (STATUS for message events, LIST for names and
// subscriptions, METADATA for annotations), built on workers from the
// account's committed changes (Loop::watch_account). The selected mailbox's
// own events go through its MailboxView (ImapSession::notify_selected).
// Loop-thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/imap/command.h"
#include "storage/types.h"

namespace loft::server::imap {

class ImapSession;
struct NotifyJob;  // notify.cc

class Notifier : public std::enable_shared_from_this<Notifier> {
 public:
  // A group of the NOTIFY SET for mailboxes other than the selected one.
  struct Group {
    proto::imap::NotifyGroup::Filter filter;
    std::vector<std::string> names;  // subtree / mailboxes: stored (UTF-8, canonical INBOX) names
    uint32_t events = 0;             // proto::imap::NotifyEvent bits
  };
  // The SELECTED / SELECTED-DELAYED group (§6.1).
  struct SelectedGroup {
    bool immediate_expunge = true;  // SELECTED (true) or SELECTED-DELAYED
    uint32_t events = 0;
    std::vector<proto::imap::FetchAtt> fetch;  // MessageNew's fetch attributes
  };

  // Past these, the session says NOTIFICATIONOVERFLOW and stops notifying (§4).
  static constexpr size_t kMaxPendingBytes = 256 * 1024;
  static constexpr size_t kMaxPendingEvents = 10000;

  Notifier(ImapSession& session, std::vector<Group> groups, std::optional<SelectedGroup> selected);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // Starts listening to the account's changes (call once owned by a shared_ptr).
  void start();
  const std::optional<SelectedGroup>& selected() const { return selected_; }
  // NOTIFY SET STATUS (§3): the STATUS of every mailbox a group with message
  // events names (not the selected one), built on a worker; done gets the
  // lines, or the store's error.
  void initial_status(std::function<void(Result<std::string>)> done);
  // Moves the responses ready to send into out.
  void take(std::string* out);
  bool overflowed() const { return overflow_; }

 private:
  void on_change(const storage::MailboxChange& change);
  // Runs one worker job over the pending events unless one runs.
  void schedule();
  void check_bounds();
  // What a worker job needs from the session, copied now.
  std::shared_ptr<NotifyJob> make_job() const;

  ImapSession& session_;
  std::vector<Group> groups_;
  std::optional<SelectedGroup> selected_;
  uint64_t watch_ = 0;
  std::map<storage::MailboxId, uint32_t> dirty_;  // mailbox -> NotifyEvent bits seen
  std::vector<storage::ListChange> list_;         // pending name, subscription, annotation changes
  bool running_ = false;
  bool overflow_ = false;
  std::string out_;  // responses ready, not yet sent
};

}  // namespace loft::server::imap

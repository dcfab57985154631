// RFC 5465 NOTIFY: events of the mailboxes a session has not selected.
#include "server/imap/notify.h"

#include <set>
#include <unordered_map>

#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_response.h"
#include "protocol/imap/notify.h"
#include "server/connection.h"
#include "server/imap/session.h"
#include "server/imap/status_data.h"
#include "server/loop.h"

namespace loft::server::imap {

namespace pi = proto::imap;
using Filter = pi::NotifyGroup::Filter;
using Item = pi::CmdStatus::Item;

// What a worker needs to build the responses, copied from the session.
struct NotifyJob {
  storage::AccountId account = 0;
  storage::MailboxId selected = 0;
  pi::NameForm form = pi::NameForm::mutf7;
  bool condstore = false;
  std::vector<Notifier::Group> groups;
  std::map<storage::MailboxId, uint32_t> dirty;
  std::vector<storage::ListChange> list;
};

namespace {

constexpr uint32_t kMessageEvents = pi::kNotifyMessageNew | pi::kNotifyMessageExpunge | pi::kNotifyFlagChange;

// §6: does the group's filter take this mailbox? subs is the account's
// subscriptions (read only when a group filters on them).
bool takes(const Notifier::Group& g, std::string_view name, const std::set<std::string>& subs) {
  switch (g.filter) {
    // Loft delivers to INBOX and, by subaddress, to any mailbox (RFC 5233
    // detail): every personal mailbox may receive mail, as in Dovecot.
    case Filter::inboxes:
    case Filter::personal: return true;
    case Filter::subscribed: return subs.count(std::string(name)) > 0;
    case Filter::subtree:
      for (const std::string& n : g.names)
        if (name == n || (name.size() > n.size() && name.compare(0, n.size(), n) == 0 && name[n.size()] == '/'))
          return true;
      return false;
    case Filter::mailboxes:
      for (const std::string& n : g.names)
        if (name == n) return true;
      return false;
    case Filter::selected:
    case Filter::selected_delayed: return false;
  }
  return false;
}

// True if a group wants one of `events` for this mailbox.
bool wanted(const std::vector<Notifier::Group>& groups, uint32_t events, std::string_view name,
            const std::set<std::string>& subs) {
  for (const Notifier::Group& g : groups)
    if ((g.events & events) && takes(g, name, subs)) return true;
  return false;
}

using Job = NotifyJob;

// The account's subscriptions, read only when a group filters on them.
Result<std::set<std::string>> subscriptions_for(storage::Store& store, const Job& job) {
  std::set<std::string> subs;
  for (const auto& g : job.groups) {
    if (g.filter != Filter::subscribed) continue;
    auto s = store.subscriptions(job.account);
    if (!s) return s.error();
    subs.insert(s->begin(), s->end());
    break;
  }
  return subs;
}

// Blocking (a worker): NOTIFY SET STATUS's STATUS lines (§3).
Result<std::string> build_initial(storage::Store& store, const Job& job, bool flags) {
  auto boxes = store.list_mailboxes(job.account);
  if (!boxes) return boxes.error();
  auto subs = subscriptions_for(store, job);
  if (!subs) return subs.error();
  std::vector<Item> items{Item::messages, Item::uidnext, Item::uidvalidity, Item::unseen};
  if (flags) items.push_back(Item::highestmodseq);
  std::string out;
  for (const auto& mb : *boxes) {
    if (mb.id == job.selected || !wanted(job.groups, kMessageEvents, mb.name, *subs)) continue;
    auto st = status_data(store, mb, items, 0);
    if (st) pi::StatusDataResponse{mb.name, items, *st, job.form}.serialize(&out);  // else deleted meanwhile
  }
  return out;
}

// Blocking (a worker): the responses for the job's events, in event order
// (list changes first: a STATUS may name a mailbox a LIST just announced).
Result<std::string> build(storage::Store& store, const Job& job) {
  auto boxes = store.list_mailboxes(job.account);
  if (!boxes) return boxes.error();
  std::unordered_map<storage::MailboxId, const storage::MailboxInfo*> by_id;
  for (const auto& b : *boxes) by_id[b.id] = &b;
  auto read_subs = subscriptions_for(store, job);
  if (!read_subs) return read_subs.error();
  const std::set<std::string>& subs = *read_subs;
  std::string out;
  using K = storage::ListChange::Kind;
  for (const storage::ListChange& c : job.list) {
    switch (c.kind) {
      case K::created:
      case K::deleted:
      case K::renamed:
        // §5.4: a rename concerns both names.
        if (wanted(job.groups, pi::kNotifyMailboxName, c.name, subs) ||
            (!c.old_name.empty() && wanted(job.groups, pi::kNotifyMailboxName, c.old_name, subs)))
          pi::NotifyListResponse{c.name, c.old_name, c.kind == K::deleted, false, job.form}.serialize(&out);
        break;
      case K::subscribed:
      case K::unsubscribed: {
        // §5.5: under SUBSCRIBED an unsubscribed mailbox is still told of.
        bool any = false;
        for (const auto& g : job.groups)
          if ((g.events & pi::kNotifySubscriptionChange) && (g.filter == Filter::subscribed || takes(g, c.name, subs)))
            any = true;
        if (any) pi::NotifyListResponse{c.name, {}, false, c.kind == K::subscribed, job.form}.serialize(&out);
        break;
      }
      case K::metadata: {
        if (c.mailbox == 0) {
          // §5.7: server annotations concern no mailbox.
          bool any = false;
          for (const auto& g : job.groups) any = any || (g.events & pi::kNotifyServerMetadataChange);
          if (any) pi::NotifyMetadataResponse{"", c.entries, job.form}.serialize(&out);
          break;
        }
        auto it = by_id.find(c.mailbox);
        if (it == by_id.end()) break;  // deleted since
        if (wanted(job.groups, pi::kNotifyMailboxMetadataChange, it->second->name, subs))
          pi::NotifyMetadataResponse{it->second->name, c.entries, job.form}.serialize(&out);
        break;
      }
    }
  }
  for (const auto& [id, events] : job.dirty) {
    if (id == job.selected) continue;  // its view reports it (SELECTED), or commands do
    auto it = by_id.find(id);
    if (it == by_id.end()) continue;
    const storage::MailboxInfo& mb = *it->second;
    if (!wanted(job.groups, events, mb.name, subs)) continue;
    // §5.2, §5.3: new and expunged messages as STATUS MESSAGES, UIDNEXT (and
    // UNSEEN); §5.1: flag changes as UNSEEN, with HIGHESTMODSEQ once CONDSTORE is on.
    std::vector<Item> items;
    bool counts = false;
    for (const auto& g : job.groups)
      if (takes(g, mb.name, subs)) counts = counts || (g.events & events & (pi::kNotifyMessageNew | pi::kNotifyMessageExpunge));
    if (counts) items = {Item::messages, Item::uidnext};
    items.push_back(Item::unseen);
    if (job.condstore) items.push_back(Item::highestmodseq);
    auto st = status_data(store, mb, items, 0);
    if (!st) continue;  // deleted meanwhile
    pi::StatusDataResponse{mb.name, items, *st, job.form}.serialize(&out);
  }
  return out;
}

}  // namespace

Notifier::Notifier(ImapSession& session, std::vector<Group> groups, std::optional<SelectedGroup> selected)
    : session_(session), groups_(std::move(groups)), selected_(std::move(selected)) {}

Notifier::~Notifier() {
  if (watch_) session_.conn().loop().unwatch_account(watch_);
}

void Notifier::start() {
  if (groups_.empty()) return;  // the selected mailbox only: its view reports it
  std::weak_ptr<Notifier> weak = shared_from_this();
  watch_ = session_.conn().loop().watch_account(session_.account().id, [weak](const storage::MailboxChange& c) {
    if (auto self = weak.lock()) self->on_change(c);
  });
}

void Notifier::on_change(const storage::MailboxChange& change) {
  if (overflow_) return;
  for (const storage::ListChange& c : change.list) list_.push_back(c);
  uint32_t events = 0;
  if (!change.added.empty()) events |= pi::kNotifyMessageNew;
  if (!change.expunged.empty()) events |= pi::kNotifyMessageExpunge;
  if (!change.changed.empty()) events |= pi::kNotifyFlagChange;
  if (events && change.mailbox) dirty_[change.mailbox] |= events;
  check_bounds();
  schedule();
}

void Notifier::check_bounds() {
  if (overflow_) return;
  if (out_.size() > kMaxPendingBytes || list_.size() + dirty_.size() > kMaxPendingEvents) {
    // §4: the server may give up; it says so and behaves as after NOTIFY NONE.
    overflow_ = true;
    out_.clear();
    list_.clear();
    dirty_.clear();
    session_.notify_ready();
  }
}

std::shared_ptr<Job> Notifier::make_job() const {
  auto job = std::make_shared<Job>();
  job->account = session_.account().id;
  job->selected = session_.selected() ? session_.selected()->info.id : 0;
  job->form = session_.name_form();
  job->condstore = (session_.enabled() & pi::kEnableCondstore) != 0;
  job->groups = groups_;
  return job;
}

void Notifier::schedule() {
  if (running_ || overflow_ || (dirty_.empty() && list_.empty())) return;
  running_ = true;
  auto job = make_job();
  job->dirty.swap(dirty_);
  job->list.swap(list_);
  auto result = std::make_shared<Result<std::string>>(std::string());
  // Weak: a NOTIFY NONE or SET meanwhile drops this notifier and its results.
  std::weak_ptr<Notifier> weak = shared_from_this();
  ImapSession* s = &session_;
  session_.conn().offload([s, job, result] { *result = build(s->store(), *job); },
                          [weak, result] {
                            auto self = weak.lock();
                            if (!self) return;
                            self->running_ = false;
                            if (self->overflow_) return;
                            if (*result) self->out_ += **result;
                            else self->out_ += "* NO NOTIFY: some events may have been lost\r\n";
                            self->check_bounds();
                            self->session_.notify_ready();
                            self->schedule();  // events that came meanwhile
                          });
}

void Notifier::initial_status(std::function<void(Result<std::string>)> done) {
  bool flags = false;
  for (const auto& g : groups_) flags = flags || (g.events & pi::kNotifyFlagChange);
  auto job = make_job();
  auto out = std::make_shared<Result<std::string>>(std::string());
  ImapSession* s = &session_;
  session_.conn().offload([s, job, out, flags] { *out = build_initial(s->store(), *job, flags); },
                          [out, done = std::move(done)] { done(std::move(*out)); });
}

void Notifier::take(std::string* out) {
  *out += out_;
  out_.clear();
}

}  // namespace loft::server::imap

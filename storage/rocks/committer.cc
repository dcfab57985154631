#include "storage/rocks/committer.h"

#include <algorithm>
#include <exception>
#include <string>

#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

Committer::Committer(const Db& db, const Counters& counters, bool sync, size_t max_group, LocalChangeFeed& feed)
    : db_(db), counters_(counters), sync_(sync), max_group_(std::max<size_t>(max_group, 1)), feed_(feed),
      thread_([this] { loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Result<void> Committer::run(Request& request) {
  auto done = request.done_.get_future();
  {
    std::lock_guard lock(mu_);
    if (stopping_) return make_error(Errc::temp, "the store is closing");
    queue_.push_back(&request);
  }
  wake_.notify_one();
  return done.get();
}

StoreStats Committer::stats() const {
  StoreStats s;
  s.commits = commits_.load();
  s.committed_requests = committed_requests_.load();
  s.failed_commits = failed_commits_.load();
  return s;
}

void Committer::loop() {
  std::vector<Request*> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      size_t n = std::min(queue_.size(), max_group_);
      group.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    commit(group);
  }
}

void Committer::commit(const std::vector<Request*>& group) {
  GroupTxn txn(db_, counters_);
  std::vector<Result<void>> results;
  results.reserve(group.size());
  std::optional<Error> group_error;
  bool wrote = false;
  try {
    for (Request* r : group) {
      results.push_back(r->stage(txn));
      if (!results.back().ok()) {
        Errc code = results.back().error().code;
        if (code == Errc::temp || code == Errc::internal) {
          group_error = results.back().error();
          break;
        }
      }
    }
    rocksdb::WriteBatch batch;
    if (!group_error) {
      if (auto built = txn.build(counters_, &batch); !built) group_error = built.error();
    }
    if (!group_error && batch.Count() > 0) {
      if (inject_failures_.load() > 0) {
        --inject_failures_;
        group_error = make_error(Errc::temp, "injected write failure");
      } else {
        rocksdb::WriteOptions wo;
        wo.sync = sync_;
        rocksdb::Status s = db_.db()->Write(wo, &batch);
        if (!s.ok()) group_error = to_error(s, "committing");
        wrote = s.ok();
      }
    }
  } catch (const std::exception& e) {
    // Out of memory while staging: fail the group rather than the process.
    group_error = make_error(Errc::internal, std::string("commit failed: ") + e.what());
  }

  if (group_error) {
    // Nothing of this group is visible: the staged state is dropped with txn.
    log_error("storage: commit of ", group.size(), " requests failed: ", group_error->message);
    ++failed_commits_;
    reload_counters();
    for (Request* r : group)
      r->done_.set_value(make_error(Errc::temp, "the store could not commit: " + group_error->message));
    return;
  }

  counters_ = txn.counters();
  if (wrote) ++commits_;  // a group of rejected requests writes nothing
  committed_requests_ += group.size();
  std::vector<MailboxChange> changes;
  for (const MailboxInfo& m : txn.touched_mailboxes())
    changes.push_back(MailboxChange{m.account, m.id, m.uidnext, m.messages, m.highestmodseq, {}, {}, {}});
  // Change-feed hook: each request adds the details of what it changed.
  for (size_t i = 0; i < group.size(); ++i)
    if (results[i].ok()) group[i]->describe(changes);
  // Publish before waking the callers, so a caller that returns already sees
  // its own change in the feed.
  feed_.publish(changes);
  for (size_t i = 0; i < group.size(); ++i) group[i]->done_.set_value(std::move(results[i]));
}

void Committer::reload_counters() {
  auto v = db_.get(kMetaCf, std::string(kCountersKey));
  if (!v || !*v) return;  // keep the in-memory values: they match the last good commit
  if (auto c = decode_counters(**v)) counters_ = *c;
}

}  // namespace loft::storage::rocks

#include "storage/rocks/committer.h"

#include <algorithm>
#include <exception>
#include <future>
#include <iterator>
#include <string>

#include "base/log.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// Statuses after which RocksDB accepts writes again by itself: everything
// else from Write (an I/O error in the WAL append or sync, corruption) puts
// the DB in its background-error state (paranoid_checks) and fails the store.
bool transient(const rocksdb::Status& s) {
  return s.IsBusy() || s.IsTryAgain() || s.IsIncomplete() || s.IsTimedOut();
}

}  // namespace

Committer::Committer(const Db& db, const Counters& counters, bool sync, size_t max_group, const Tuning& tuning,
                     LocalChangeFeed& feed)
    : db_(db), counters_(counters), persisted_(counters), sync_(sync), max_group_(std::max<size_t>(max_group, 1)),
      max_group_bytes_(std::max<size_t>(tuning.max_group_bytes, 1)), feed_(feed), thread_([this] { loop(); }) {}

Committer::~Committer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

Result<void> Committer::run(Request& request) {
  std::promise<Result<void>> promise;
  auto done = promise.get_future();
  enqueue(Pending{&request, nullptr, [&promise](Result<void> r) { promise.set_value(std::move(r)); }});
  return done.get();
}

void Committer::submit(std::shared_ptr<Request> request, Done done) {
  Request* raw = request.get();
  enqueue(Pending{raw, std::move(request), std::move(done)});
}

void Committer::enqueue(Pending pending) {
  std::string refusal;
  {
    std::lock_guard lock(mu_);
    if (stopping_) refusal = "the store is closing";
    else if (failed_.load()) refusal = "the store has failed and must be restarted: " + failure_;
    else queue_.push_back(std::move(pending));
  }
  if (refusal.empty()) {
    wake_.notify_one();
    return;
  }
  pending.done(make_error(Errc::temp, std::move(refusal)));
}

void Committer::on_failure(FailureListener listener) {
  std::string already;
  {
    std::lock_guard lock(mu_);
    if (!failed_.load()) {
      on_failure_ = std::move(listener);
      return;
    }
    already = failure_;
  }
  listener(already);
}

StoreStats Committer::stats() const {
  StoreStats s;
  s.commits = commits_.load();
  s.committed_requests = committed_requests_.load();
  s.failed_commits = failed_commits_.load();
  return s;
}

void Committer::check_background_error() {
  if (failed_.load()) return;
  if (auto bg = db_.background_error()) enter_failed_state("RocksDB: " + *bg);
}

void Committer::fail_next_writes_for_testing(uint32_t n, FailPoint where) {
  inject_where_ = where;
  inject_failures_ = n;
}

void Committer::loop() {
  std::vector<Pending> group;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued is done
      size_t n = std::min(queue_.size(), max_group_);
      group.assign(std::make_move_iterator(queue_.begin()),
                   std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    const size_t taken = commit(group);
    if (taken < group.size()) {
      // The byte bound closed the group early: the rest go first next time.
      std::lock_guard lock(mu_);
      queue_.insert(queue_.begin(), std::make_move_iterator(group.begin() + static_cast<std::ptrdiff_t>(taken)),
                    std::make_move_iterator(group.end()));
    }
    group.clear();
  }
}

size_t Committer::commit(std::vector<Pending>& group) {
  if (auto bg = db_.background_error(); bg && !failed_.load()) enter_failed_state("RocksDB: " + *bg);
  if (failed_.load()) {
    std::string reason;
    {
      std::lock_guard lock(mu_);
      reason = failure_;
    }
    for (Pending& p : group) p.done(make_error(Errc::temp, "the store has failed and must be restarted: " + reason));
    return group.size();
  }

  GroupTxn txn(db_, counters_, &floors_);
  std::vector<Result<void>> results;
  results.reserve(group.size());
  std::optional<Error> group_error;
  bool wrote = false;
  try {
    while (results.size() < group.size()) {
      // Each request stages under its own savepoint: a rejected one is undone
      // here, whatever it staged before failing (RocksDB's WriteBatch
      // SetSavePoint/RollbackToSavePoint, on the overlay).
      txn.set_savepoint();
      results.push_back(group[results.size()].request->stage(txn));
      if (!results.back().ok()) txn.rollback_to_savepoint();
      if (txn.staged_bytes() >= max_group_bytes_) break;  // bounded group: the rest wait
    }
    rocksdb::WriteBatch batch(txn.batch_bytes());
    if (auto built = txn.build(persisted_, &batch); !built) group_error = built.error();
    if (!group_error && batch.Count() > 0) {
      const bool inject = inject_failures_.load() > 0;
      if (inject) --inject_failures_;
      if (inject && inject_where_.load() == FailPoint::before_write) {
        group_error = make_error(Errc::temp, "injected write failure");
      } else {
        rocksdb::WriteOptions wo;
        wo.sync = sync_;
        // A write stall (too many memtables or level-0 files) delays Write
        // instead of failing it: back-pressure on acknowledgements.
        wo.no_slowdown = false;
        rocksdb::Status s = db_.db()->Write(wo, &batch);
        if (!s.ok()) {
          group_error = to_error(s, "committing");
          if (!transient(s)) enter_failed_state(s.ToString());
        } else if (inject) {
          group_error = make_error(Errc::temp, "injected failure after the write");
        }
        wrote = s.ok() && !inject;
      }
    }
  } catch (const std::exception& e) {
    // Out of memory while staging: fail the group (the request that threw
    // included) rather than the process.
    group_error = make_error(Errc::internal, std::string("commit failed: ") + e.what());
    if (results.size() < group.size()) results.push_back(*group_error);
  }
  const size_t taken = results.size();

  if (group_error) {
    // Nothing of this group is visible to readers of this process; whether
    // the database holds it is unknown, so what it handed out stays consumed.
    log_error("storage: commit of ", taken, " requests failed: ", group_error->message);
    ++failed_commits_;
    keep_consumed(txn);
    for (size_t i = 0; i < taken; ++i)
      group[i].done(make_error(Errc::temp, "the store could not commit: " + group_error->message));
    return taken;
  }

  counters_ = txn.counters();
  if (wrote) {
    ++commits_;  // a group of rejected requests writes nothing
    persisted_ = counters_;
    // Every touched mailbox was read through its floor and written at or above it.
    for (MailboxId id : txn.touched_ids()) floors_.erase(id);
  }
  committed_requests_ += taken;
  std::vector<MailboxChange> changes;
  for (const MailboxInfo& m : txn.touched_mailboxes())
    changes.push_back(MailboxChange{m.account, m.id, m.uidnext, m.messages, m.highestmodseq, {}, {}, {}, {}});
  // Change-feed hook: each request that committed adds the details of what it
  // changed (a rolled-back one staged nothing that stayed).
  for (size_t i = 0; i < taken; ++i)
    if (results[i].ok()) group[i].request->describe(changes);
  // Publish before completing the requests, so a caller that returns already
  // sees its own change in the feed.
  feed_.publish(changes);
  for (size_t i = 0; i < taken; ++i) group[i].done(std::move(results[i]));
  return taken;
}

void Committer::keep_consumed(const GroupTxn& txn) {
  counters_ = txn.counters();
  for (const MailboxInfo& m : txn.touched_mailboxes()) {
    MailboxFloor& f = floors_[m.id];
    f.uidnext = std::max(f.uidnext, m.uidnext);
    f.highestmodseq = std::max(f.highestmodseq, m.highestmodseq);
  }
}

void Committer::enter_failed_state(const std::string& reason) {
  FailureListener listener;
  {
    std::lock_guard lock(mu_);
    if (failed_.load()) return;
    failure_ = reason;
    failed_ = true;
    listener = std::move(on_failure_);
  }
  // Logged once; every later request is refused without touching RocksDB.
  log_error("storage: the store has failed (", reason, "); refusing writes until restarted");
  if (listener) listener(reason);
}

}  // namespace loft::storage::rocks

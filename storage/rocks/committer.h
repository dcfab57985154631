// Group commit. Callers queue a Request and block; the single committer
// thread takes every queued request (up to max_group), stages them in order
// into one GroupTxn, writes one WriteBatch with one WAL sync, publishes the
// changed mailboxes, then wakes each caller. Being the only writer, it keeps
// the store-wide counters in memory and reads everything else through the
// group's overlay.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/change_feed.h"
#include "storage/rocks/db.h"
#include "storage/rocks/group_txn.h"

namespace loft::storage::rocks {

// One mutation. stage() runs on the committer thread.
class Request {
 public:
  virtual ~Request() = default;
  // Validates against txn and stages the change. Errors that reject only this
  // request (not_found, exists, bad_input, ...) must be returned before
  // anything is staged; an Errc::temp or Errc::internal error (a failed read,
  // a corrupt record) aborts the whole group, since staging may be partial.
  virtual Result<void> stage(GroupTxn& txn) = 0;
  // Change-feed hook: after a durable commit, adds what this (successful)
  // request changed to the matching entries of `changes` (added, changed,
  // expunged messages). Called on the committer thread, in group order.
  virtual void describe(std::vector<MailboxChange>& changes) const { (void)changes; }

 private:
  friend class Committer;
  std::promise<Result<void>> done_;
};

class Committer {
 public:
  // Loads nothing itself: counters come from the caller, read at open.
  Committer(const Db& db, const Counters& counters, bool sync, size_t max_group, LocalChangeFeed& feed);
  // Commits every request already queued, then stops the thread.
  ~Committer();

  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues request and blocks until its group is durable (or has failed).
  Result<void> run(Request& request);

  StoreStats stats() const;
  // Makes the next n batch writes fail as if the disk did (for tests).
  void fail_next_writes_for_testing(uint32_t n) { inject_failures_ = n; }

 private:
  void loop();
  void commit(const std::vector<Request*>& group);
  // Re-reads the counters after a failed write, in case the failure left the
  // database ahead of what we hold in memory.
  void reload_counters();

  const Db& db_;
  Counters counters_;  // committer thread only
  const bool sync_;
  const size_t max_group_;
  LocalChangeFeed& feed_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Request*> queue_;
  bool stopping_ = false;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> committed_requests_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint32_t> inject_failures_{0};
  std::thread thread_;  // last: starts after everything above is ready
};

}  // namespace loft::storage::rocks

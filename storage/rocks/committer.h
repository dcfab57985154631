// Group commit. Callers queue a Request, either blocking (run) or with a
// completion callback (submit); the single committer thread takes the queued
// requests (up to max_group, and up to Tuning::max_group_bytes staged), stages
// each in order into one GroupTxn under its own savepoint, writes one
// WriteBatch with one WAL sync, publishes the changed mailboxes, then
// completes each request. Being the only writer, it keeps the store-wide
// counters in memory and reads everything else through the group's overlay.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "storage/change_feed.h"
#include "storage/rocks/db.h"
#include "storage/rocks/group_txn.h"
#include "storage/rocks/tuning.h"

namespace loft::storage::rocks {

// One mutation. stage() runs on the committer thread.
class Request {
 public:
  virtual ~Request() = default;
  // Validates against txn and stages the change. On any error the committer
  // rolls the group back to the savepoint set before this request, so a
  // rejected request leaves no trace whatever it staged; the rest of the
  // group commits.
  virtual Result<void> stage(GroupTxn& txn) = 0;
  // Change-feed hook: after a durable commit, adds what this (successful)
  // request changed to the matching entries of `changes` (added, changed,
  // expunged messages). Called on the committer thread, in group order.
  virtual void describe(std::vector<MailboxChange>& changes) const { (void)changes; }
};

// Where the store's health is reported once it fails (see Committer::failed).
using FailureListener = std::function<void(const std::string& reason)>;

class Committer {
 public:
  // Called on the committer thread once the request's batch is durable, or
  // with the error that failed it.
  using Done = std::function<void(Result<void>)>;

  // Loads nothing itself: counters come from the caller, read at open.
  Committer(const Db& db, const Counters& counters, bool sync, size_t max_group, const Tuning& tuning,
            LocalChangeFeed& feed);
  // Commits every request already queued, then stops the thread.
  ~Committer();

  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues request and blocks until its group is durable (or has failed).
  Result<void> run(Request& request);
  // Queues request and returns at once; done runs on the committer thread
  // after the batch is durable (or failed). If the store has failed or is
  // closing, done runs before submit returns, on the calling thread.
  void submit(std::shared_ptr<Request> request, Done done);

  // True once a write failed in a way RocksDB does not recover from by itself
  // (a WAL write or sync error, a hard background error): every later request
  // gets Errc::temp at once, and the process should restart.
  bool failed() const { return failed_.load(); }
  // Enters the failed state now if RocksDB reports a background error (a
  // write outside the committer, e.g. a body chunk, may have caused it).
  void check_background_error();
  // Runs listener (once, on the thread that detects it) when the store fails.
  void on_failure(FailureListener listener);

  StoreStats stats() const;
  // Makes the next n batch writes fail as if the disk did (for tests): before
  // the Write call (nothing written), or after it (written, but reported as
  // failed: the outcome a caller cannot tell apart from a lost write).
  enum class FailPoint { before_write, after_write };
  void fail_next_writes_for_testing(uint32_t n, FailPoint where = FailPoint::before_write);

 private:
  struct Pending {
    Request* request;
    std::shared_ptr<Request> owned;  // keeps an async request alive
    Done done;
  };
  void enqueue(Pending pending);
  void loop();
  // Commits a prefix of group; returns how many requests it took.
  size_t commit(std::vector<Pending>& group);
  // After a failed or uncertain write: what the group handed out stays
  // handed out (counters and each touched mailbox's UIDNEXT/HIGHESTMODSEQ).
  void keep_consumed(const GroupTxn& txn);
  void enter_failed_state(const std::string& reason);

  const Db& db_;
  Counters counters_;    // committer thread only; never moves backwards
  Counters persisted_;   // the counters last known to be in the database
  MailboxFloors floors_; // committer thread only
  const bool sync_;
  const size_t max_group_;
  const size_t max_group_bytes_;
  LocalChangeFeed& feed_;

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::string failure_;          // under mu_
  FailureListener on_failure_;   // under mu_

  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> committed_requests_{0};
  std::atomic<uint64_t> failed_commits_{0};
  std::atomic<uint32_t> inject_failures_{0};
  std::atomic<FailPoint> inject_where_{FailPoint::before_write};
  std::thread thread_;  // last: starts after everything above is ready
};

}  // namespace loft::storage::rocks

// The server's background indexer: one thread (never an event loop, at a
// lower CPU priority) that runs Indexer::run_batch until no job is left,
// then sleeps until poke() or kIdleMs. Delivery never waits for it: jobs
// are written by the store in the delivery's own batch, and a search scans
// what is not indexed yet. While the store is committing (deliveries,
// flag changes) it defers its batches, up to kMaxDeferMs at a time, so it
// takes neither CPU nor disk syncs from delivery on a small machine.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "server/search/indexer.h"

namespace loft::server::search {

class BackgroundIndexer {
 public:
  BackgroundIndexer(storage::Store& store, std::string data_dir)
      : store_(store), indexer_(store, std::move(data_dir)) {}
  ~BackgroundIndexer() { stop(); }

  void start();
  // Wakes the thread early (e.g. after a delivery); any thread.
  void poke();
  // Ends the batch in progress after the message being indexed (what is done
  // is committed, the rest stays queued) and joins; idempotent.
  void stop();

  // Work that must not run beside a batch (loftctl index rebuild|optimize on
  // a running loftd): run on this thread between batches with the indexer
  // and the flag that interrupts it, or with a null indexer when loftd
  // stops first. Any thread; Errc::limit when kMaxTasks are waiting.
  using Task = std::function<void(Indexer* indexer, const std::atomic<bool>* cancel)>;
  Result<void> submit(Task task);
  // Interrupts the running task and refuses the waiting ones (loftd is
  // stopping: an admin connection must not hold the loops open); any thread.
  void stop_tasks();

  static constexpr size_t kBatch = 256;       // jobs per Xapian commit
  static constexpr int kIdleMs = 1000;         // wait when there is nothing to do
  static constexpr int kErrorBackoffMs = 5000;  // wait after a failed batch
  static constexpr int kQuietMs = 200;          // no store commit for this long: the store is quiet
  static constexpr int kMaxDeferMs = 5000;      // a busy store defers a batch at most this long
  static constexpr size_t kMaxTasks = 16;       // admin tasks waiting

 private:
  void run();
  // Runs the waiting tasks (with the indexer, or null once tasks stopped).
  void run_tasks();
  // Waits (bounded by kMaxDeferMs) until the store made no commit for
  // kQuietMs; false if stop() was called meanwhile.
  bool wait_for_quiet();

  storage::Store& store_;
  Indexer indexer_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};  // stop_ as the indexer reads it mid-batch
  bool poked_ = false;
  std::deque<Task> tasks_;                  // guarded by mutex_
  std::atomic<bool> tasks_cancel_{false};  // set by stop_tasks()
};

}  // namespace loft::server::search

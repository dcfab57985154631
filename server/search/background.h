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

  static constexpr size_t kBatch = 256;       // jobs per Xapian commit
  static constexpr int kIdleMs = 1000;         // wait when there is nothing to do
  static constexpr int kErrorBackoffMs = 5000;  // wait after a failed batch
  static constexpr int kQuietMs = 200;          // no store commit for this long: the store is quiet
  static constexpr int kMaxDeferMs = 5000;      // a busy store defers a batch at most this long

 private:
  void run();
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
};

}  // namespace loft::server::search

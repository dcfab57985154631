// A quota on one kind of worker job (password hashing): at most `limit` of
// its jobs occupy libuv's worker pool at once, over every event loop; the
// rest wait in a queue, so a flood of such jobs (64 clients trying
// passwords) cannot take every worker while deliveries and mailbox reads
// wait behind them. Urgent jobs (logins from addresses without recent
// failures) go before the others. A queued job starts on its connection's
// own loop (Loop::post). Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <mutex>

namespace loft::server {

class Connection;
class Loop;

class WorkQuota {
 public:
  explicit WorkQuota(unsigned limit) : limit_(limit ? limit : 1) {}
  WorkQuota(const WorkQuota&) = delete;
  WorkQuota& operator=(const WorkQuota&) = delete;

  // Called on conn's loop thread. Runs work on a worker for conn when a slot
  // is free, then done on conn's loop thread (Connection::offload rules:
  // dropped if conn closed meanwhile).
  void submit(Connection& conn, bool urgent, std::function<void()> work, std::function<void()> done);

  unsigned running() const;
  size_t queued() const;

 private:
  struct Job {
    Loop* loop;                  // where start must run
    std::function<void()> start;
  };
  // A job finished (any loop thread): starts queued jobs while slots are free.
  void release_slot();

  const unsigned limit_;
  mutable std::mutex mu_;  // guards running_ and the queues
  unsigned running_ = 0;
  std::deque<Job> urgent_;
  std::deque<Job> normal_;
};

}  // namespace loft::server

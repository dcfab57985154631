// A quota on one kind of worker job (password hashing): at most `limit` of
// its jobs occupy libuv's worker pool at once, the rest wait in a queue on
// the loop thread, so a flood of such jobs (64 clients trying passwords)
// cannot take every worker while deliveries and mailbox reads wait behind
// them. Urgent jobs (logins from addresses without recent failures) go
// before the others. Loop thread only.
#pragma once

#include <deque>
#include <functional>

namespace loft::server {

class Connection;

class WorkQuota {
 public:
  explicit WorkQuota(unsigned limit) : limit_(limit ? limit : 1) {}
  WorkQuota(const WorkQuota&) = delete;
  WorkQuota& operator=(const WorkQuota&) = delete;

  // Runs work on a worker for conn when a slot is free, then done on the loop
  // thread (Connection::offload rules: dropped if conn closed meanwhile).
  void submit(Connection& conn, bool urgent, std::function<void()> work, std::function<void()> done);

  unsigned running() const { return running_; }
  size_t queued() const { return urgent_.size() + normal_.size(); }

 private:
  struct Job {
    Connection* conn;
    std::function<void()> work;
    std::function<void()> done;
  };
  void start_next();

  const unsigned limit_;
  unsigned running_ = 0;
  std::deque<Job> urgent_;
  std::deque<Job> normal_;
};

}  // namespace loft::server

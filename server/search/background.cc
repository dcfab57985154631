// The background indexer thread (see background.h).
#include "server/search/background.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "base/log.h"

namespace loft::server::search {

void BackgroundIndexer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void BackgroundIndexer::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  cv_.notify_one();
}

void BackgroundIndexer::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cancel_.store(true, std::memory_order_relaxed);
  tasks_cancel_.store(true, std::memory_order_relaxed);
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  run_tasks();  // whatever is left learns that loftd stopped
}

Result<void> BackgroundIndexer::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stop_ || tasks_cancel_.load(std::memory_order_relaxed))
      return make_error(Errc::temp, "loftd is stopping");
    if (tasks_.size() >= kMaxTasks) return make_error(Errc::limit, "too many index requests waiting");
    tasks_.push_back(std::move(task));
    poked_ = true;
  }
  cv_.notify_one();
  return {};
}

void BackgroundIndexer::stop_tasks() {
  tasks_cancel_.store(true, std::memory_order_relaxed);
  poke();
}

void BackgroundIndexer::run_tasks() {
  for (;;) {
    Task task;
    {
      std::lock_guard lock(mutex_);
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    const bool refused = tasks_cancel_.load(std::memory_order_relaxed);
    task(refused ? nullptr : &indexer_, &tasks_cancel_);
  }
}

bool BackgroundIndexer::wait_for_quiet() {
  uint64_t last = store_.stats().commits;
  for (int waited = 0; waited < kMaxDeferMs; waited += kQuietMs) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(kQuietMs), [this] { return stop_; });
    if (stop_) return false;
    uint64_t now = store_.stats().commits;
    if (now == last) return true;  // no commit for kQuietMs
    last = now;
  }
  return true;  // busy for kMaxDeferMs: index one batch anyway, so the index keeps up
}

void BackgroundIndexer::run() {
  // Linux nice applies per thread: indexing yields the CPU to delivery and IMAP.
  setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
  uint64_t drained = 0;  // jobs since the queue was last empty
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stop_) break;
    }
    run_tasks();
    if (!wait_for_quiet()) break;
    auto n = indexer_.run_batch(kBatch, &cancel_);
    if (n && *n > 0) {  // more may be waiting
      drained += *n;
      continue;
    }
    if (!n) log_warn("search indexer: ", n.error().message);
    if (n && drained > 0) {  // tests and operators wait for this line
      log_info("search index caught up: ", drained, " jobs");
      drained = 0;
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(n ? kIdleMs : kErrorBackoffMs), [this] { return stop_ || poked_; });
    poked_ = false;
  }
  indexer_.close();
}

}  // namespace loft::server::search

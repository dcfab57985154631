#include "server/work_quota.h"

#include "server/connection.h"
#include "server/loop.h"

namespace loft::server {

void WorkQuota::submit(Connection& conn, bool urgent, std::function<void()> work, std::function<void()> done) {
  conn.retain();  // released when the job starts (or is dropped)
  Connection* c = &conn;
  auto start = [this, c, work = std::move(work), done = std::move(done)]() mutable {
    if (c->closing()) {  // the client left while waiting: no work for it
      c->release();
      release_slot();
      return;
    }
    c->offload(std::move(work), std::move(done), [this] { release_slot(); });
    c->release();
  };
  {
    std::lock_guard lock(mu_);
    if (running_ >= limit_) {
      (urgent ? urgent_ : normal_).push_back(Job{&conn.loop(), std::move(start)});
      return;
    }
    ++running_;
  }
  start();
}

void WorkQuota::release_slot() {
  std::unique_lock lock(mu_);
  --running_;
  while (running_ < limit_ && (!urgent_.empty() || !normal_.empty())) {
    auto& q = urgent_.empty() ? normal_ : urgent_;
    Job job = std::move(q.front());
    q.pop_front();
    ++running_;
    lock.unlock();
    // The job runs on its connection's loop; a loop that has stopped drops
    // it, and with it the connection, so its slot is free again.
    bool posted = job.loop->post(std::move(job.start));
    lock.lock();
    if (!posted) --running_;
  }
}

unsigned WorkQuota::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

size_t WorkQuota::queued() const {
  std::lock_guard lock(mu_);
  return urgent_.size() + normal_.size();
}

}  // namespace loft::server

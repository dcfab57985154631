#include "server/work_quota.h"

#include "server/connection.h"

namespace loft::server {

void WorkQuota::submit(Connection& conn, bool urgent, std::function<void()> work, std::function<void()> done) {
  conn.retain();  // released when the job starts (or is dropped)
  (urgent ? urgent_ : normal_).push_back(Job{&conn, std::move(work), std::move(done)});
  start_next();
}

void WorkQuota::start_next() {
  while (running_ < limit_ && (!urgent_.empty() || !normal_.empty())) {
    auto& q = urgent_.empty() ? normal_ : urgent_;
    Job job = std::move(q.front());
    q.pop_front();
    Connection* conn = job.conn;
    if (conn->closing()) {  // the client left while waiting: no work for it
      conn->release();
      continue;
    }
    ++running_;
    conn->offload(std::move(job.work), std::move(job.done), [this] {
      --running_;
      start_next();
    });
    conn->release();
  }
}

}  // namespace loft::server

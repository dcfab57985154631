// Streams a large response in bounded memory: each step produces a piece on
// a worker and hands it to the loop thread; the next step starts only while
// the connection's backlog is under its high-water mark, otherwise at the
// next drain. FETCH and POP3 RETR/TOP stream message bodies this way.
#pragma once

#include <functional>
#include <utility>

#include "server/connection.h"

namespace loft::server {

class StreamPump {
 public:
  // work runs on a worker, done on the loop thread after it (see Connection::offload).
  StreamPump(Connection& conn, std::function<void()> work, std::function<void()> done)
      : conn_(conn), work_(std::move(work)), done_(std::move(done)) {}

  // Starts the next step now, or when the client has read enough of the backlog.
  void schedule() {
    if (conn_.backlog() >= Connection::kHighWater) {
      waiting_ = true;  // the client reads slower than we produce: wait
      return;
    }
    conn_.offload(work_, done_);
  }
  // Forward of Session::on_drain: runs a step that was waiting for it.
  void on_drain() {
    if (waiting_) {
      waiting_ = false;
      schedule();
    }
  }

 private:
  Connection& conn_;
  std::function<void()> work_;
  std::function<void()> done_;
  bool waiting_ = false;
};

}  // namespace loft::server

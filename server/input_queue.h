// Input handling shared by every session: bytes are appended as they arrive;
// run() hands them to the protocol's parser one step at a time while the
// session can take a command, keeps the unconsumed rest for later, and pauses
// reading while too much waits (a client pipelining faster than commands
// complete), so a session's input memory stays bounded.
#pragma once

#include <string>
#include <string_view>

#include "server/connection.h"

namespace loft::server {

class InputQueue {
 public:
  // Input held while commands wait for workers, before reading pauses.
  static constexpr size_t kMaxBuffered = 1 << 20;

  void append(std::string_view bytes) { buf_.append(bytes); }

  // Calls step(&view) while it returns true, bytes remain and the connection
  // is open. step consumes a prefix of *view, or empties it to drop the rest
  // (plaintext pipelined after STARTTLS). A call made while run() is already
  // running (a command that finished synchronously) returns at once: the
  // outer loop goes on.
  template <class Step>
  void run(Connection& conn, Step&& step) {
    if (running_) return;
    running_ = true;
    std::string_view view(buf_);
    const size_t before = view.size();
    while (!view.empty() && !conn.closing() && step(&view)) {
    }
    buf_.erase(0, before - view.size());
    running_ = false;
    if (buf_.size() > kMaxBuffered) conn.pause_reading();
    else if (!conn.closing()) conn.resume_reading();
  }

 private:
  std::string buf_;
  bool running_ = false;
};

}  // namespace loft::server

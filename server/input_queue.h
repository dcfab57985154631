// Input handling shared by every session: bytes are appended as they arrive;
// run() hands them to the protocol's parser one step at a time while the
// session can take a command, keeps the unconsumed rest for later, and pauses
// reading while too much waits. Two things stop it taking commands:
// too much pipelined input (commands waiting for workers) and too much unsent
// output (a client that sends but does not read: its replies would pile up).
// Either way reading pauses, so a session's memory stays bounded whatever
// the client does; Session::on_drain resumes it.
#pragma once

#include <string>
#include <string_view>

#include "server/connection.h"

namespace loft::server {

class InputQueue {
 public:
  // Input held while commands wait for workers, before reading pauses.
  static constexpr size_t kMaxBuffered = 256 * 1024;
  // Capacity kept between commands; a buffer grown past it for one large
  // burst is released once it empties.
  static constexpr size_t kKeepCapacity = 16 * 1024;

  void append(std::string_view bytes) { buf_.append(bytes); }

  // Calls step(&view) while it returns true, bytes remain, the connection is
  // open and its output backlog is under the high-water mark. step consumes a
  // prefix of *view, or empties it to drop the rest (plaintext pipelined after
  // STARTTLS). A call made while run() is already running (a command that
  // finished synchronously) returns at once: the outer loop goes on.
  template <class Step>
  void run(Connection& conn, Step&& step) {
    run(conn, step, [] { return false; });
  }
  // As run, and step is also called without bytes while more() is true: the
  // parser holds events that need no further input (IMAP CATENATE's parts,
  // several read from one line).
  template <class Step, class More>
  void run(Connection& conn, Step&& step, More&& more) {
    if (running_) return;
    running_ = true;
    std::string_view view(buf_);
    const size_t before = view.size();
    while ((!view.empty() || more()) && !conn.closing() && !conn.output_full() && step(&view)) {
    }
    consume(before - view.size());
    running_ = false;
    if (buf_.size() > kMaxBuffered || conn.output_full()) conn.pause_reading();
    else if (!conn.closing()) conn.resume_reading();
  }

  size_t buffered() const { return buf_.size(); }
  // The received bytes not parsed yet (valid until the next append or run).
  std::string_view pending() const { return buf_; }

 private:
  void consume(size_t n) {
    buf_.erase(0, n);
    if (buf_.capacity() > kKeepCapacity && buf_.size() <= kKeepCapacity / 2) std::string(buf_).swap(buf_);
  }

  std::string buf_;
  bool running_ = false;
};

}  // namespace loft::server

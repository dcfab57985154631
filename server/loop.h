// One event loop of the server and everything it owns: the libuv loop (its
// own thread, or the main thread for loop 0), the connections accepted onto
// it, the shared read buffer, the once-per-iteration flush list, the idle
// sweep, the change-feed fan-out to its sessions, and a thread-safe post().
// A connection lives on one loop for its whole life; nothing is shared
// between loops except the Server (config, store, TLS context) and counters.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace loft::server {

class Connection;
class Server;

class Loop {
 public:
  // index 0 runs on `external` (the caller's thread and uv loop); the others
  // own a uv loop that start() runs on a thread of their own.
  Loop(Server& server, unsigned index, uv_loop_t* external);
  ~Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  // Starts the flush, sweep and change-feed handles and, for loops without
  // an external uv loop, the thread that runs the loop until stop() is done.
  void start();
  // Waits for the loop's thread (no-op for loop 0).
  void join();

  // Runs fn on this loop's thread, from any thread, in post order. Returns
  // false (fn dropped) once the loop has finished stopping. The loop finishes
  // stopping only when no Connection object of it is left, so work that will
  // post back to a connection must keep it allocated the way offload() does
  // (its pending-work count); fn must then check that it is not closing.
  bool post(std::function<void()> fn);
  // The loop whose thread is calling, or null off every loop thread.
  static Loop* current();

  // Loop thread: says goodbye to every session, cuts what is left after
  // Server::kStopGraceMs, and once no connection object is left closes the
  // loop's handles so that its run returns.
  void stop();

  uv_loop_t* uv() const { return uv_; }
  unsigned index() const { return index_; }
  Server& server() { return server_; }
  // Live connections on this loop (read from any thread to balance new ones).
  size_t connection_count() const { return count_.load(std::memory_order_relaxed); }

  // --- loop thread only, for Connection and Server ---
  static constexpr size_t kReadBufferSize = 64 * 1024;
  // How often connections' timers (stall, login, idle) are checked.
  static constexpr uint64_t kSweepMs = 1000;
  char* read_buffer() { return read_buffer_.get(); }
  void schedule_flush(Connection* c) { dirty_.push_back(c); }
  // A connection joins (accepted) and leaves (closing) the live list.
  void link(Connection* c);
  void unlink(Connection* c);
  // A connection object is created / destroyed (after its work finished):
  // the loop closes at stop only when none is left.
  void object_created() { ++objects_; }
  void object_destroyed();
  bool stopping() const { return stopping_; }
  // fn runs on this loop's thread when the loop closes (after its last
  // connection), while Loop::current() is still this loop: caches of
  // loop-owned objects (SharedIndex's recently used indexes) let go there.
  void at_close(std::function<void()> fn) { at_close_.push_back(std::move(fn)); }

  // Subscription of this loop's sessions to committed changes of a mailbox.
  using ChangeHandler = std::function<void(const storage::MailboxChange&)>;
  uint64_t watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler);
  void unwatch_mailbox(uint64_t handle);
  // Subscription to every committed change of an account: its mailboxes'
  // message changes and its ListChanges (RFC 5465 NOTIFY). Loop thread only.
  uint64_t watch_account(storage::AccountId account, ChangeHandler handler);
  void unwatch_account(uint64_t handle);
  // Hands the changes already published to this loop's watchers now, rather
  // than at the next turn (a session reporting its own change, see
  // ImapSession::sync_mailbox). Loop thread only.
  void deliver_changes();

 private:
  static void on_prepare(uv_prepare_t* h);
  static void on_sweep(uv_timer_t* h);
  static void on_stop_deadline(uv_timer_t* h);
  static void on_change(uv_async_t* h);
  static void on_post(uv_async_t* h);
  void run_posted();
  void maybe_close();

  Server& server_;
  unsigned index_;
  std::unique_ptr<uv_loop_t> owned_;  // loops other than 0
  uv_loop_t* uv_;
  std::thread thread_;
  std::unique_ptr<char[]> read_buffer_;
  std::vector<Connection*> dirty_;
  Connection* head_ = nullptr;  // live connections (intrusive list)
  std::atomic<size_t> count_{0};
  size_t objects_ = 0;          // Connection objects not yet destroyed
  bool stopping_ = false;
  bool closed_ = false;
  uv_prepare_t prepare_{};
  uv_timer_t sweep_{};
  uv_async_t change_async_{};
  uv_async_t post_async_{};
  uint64_t feed_handle_ = 0;
  std::mutex changes_mutex_;  // guards pending_changes_
  std::vector<storage::MailboxChange> pending_changes_;
  std::multimap<storage::MailboxId, std::pair<uint64_t, ChangeHandler>> watchers_;
  std::multimap<storage::AccountId, std::pair<uint64_t, ChangeHandler>> account_watchers_;
  uint64_t next_watch_ = 1;
  std::mutex post_mutex_;  // guards posted_ and post_closed_
  std::vector<std::function<void()>> posted_;
  bool post_closed_ = false;
  std::vector<std::function<void()>> at_close_;
};

}  // namespace loft::server

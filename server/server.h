// The server: one libuv loop thread that does all socket I/O, the listeners,
// the live connections, the once-per-iteration output flush, the fan-out of
// the store's change feed to sessions, and an orderly stop.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "server/address_limits.h"
#include "server/login_throttle.h"
#include "server/work_quota.h"
#include "storage/store.h"

namespace loft::server {

class Connection;
class TlsContext;

// A listener after bind: what loftd reports in its ready file.
struct BoundListener {
  const ListenerConfig* config;
  std::string address;  // "127.0.0.1:40123" with the real port, or "unix:/path"
};

class Server {
 public:
  // Everything referenced must outlive the server. tls may be null only when
  // no listener uses TLS.
  Server(uv_loop_t* loop, const Config& config, storage::Store& store, TlsContext* tls);
  ~Server();

  // Binds every configured listener and starts accepting. On failure nothing
  // is left listening.
  Result<std::vector<BoundListener>> start();
  // Stops accepting, says goodbye to every session, lets in-flight work
  // finish, and closes all handles so that uv_run returns.
  void stop();

  uv_loop_t* loop() const { return loop_; }
  const Config& config() const { return config_; }
  storage::Store& store() { return store_; }
  TlsContext* tls() const { return tls_; }
  // Open connections per remote address (limits.max_connections_per_address).
  AddressLimits& address_limits() { return address_limits_; }
  // Failed-login delays and lockouts, shared by every protocol.
  LoginThrottle& login_throttle() { return login_throttle_; }
  // The quota of worker threads password checks may occupy (auth.hash_concurrency).
  WorkQuota& auth_quota() { return auth_quota_; }

  // Loop-thread subscription to committed changes of one mailbox.
  using ChangeHandler = std::function<void(const storage::MailboxChange&)>;
  uint64_t watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler);
  void unwatch_mailbox(uint64_t handle);

  // --- for Connection and listeners ---
  static constexpr size_t kReadBufferSize = 64 * 1024;
  // How long stop() lets sessions finish in-flight work before cutting them.
  static constexpr uint64_t kStopGraceMs = 10000;
  // How often connections' timers (stall, login, idle) are checked.
  static constexpr uint64_t kSweepMs = 1000;
  char* read_buffer() { return read_buffer_.get(); }
  void schedule_flush(Connection* c) { dirty_.push_back(c); }
  void link(Connection* c);
  void unlink(Connection* c);
  size_t connection_count() const { return connections_; }
  bool stopping() const { return stopping_; }

 private:
  struct Listener;
  static void on_prepare(uv_prepare_t* h);
  static void on_sweep(uv_timer_t* h);
  static void on_stop_deadline(uv_timer_t* h);
  void close_loop_handles();
  static void on_change(uv_async_t* h);
  static void on_connection(uv_stream_t* s, int status);
  Result<std::string> bind(Listener* l);
  void accept_one(Listener* l);

  uv_loop_t* loop_;
  const Config& config_;
  storage::Store& store_;
  TlsContext* tls_;
  AddressLimits address_limits_;
  LoginThrottle login_throttle_;
  WorkQuota auth_quota_;
  std::unique_ptr<char[]> read_buffer_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<Connection*> dirty_;
  Connection* head_ = nullptr;  // live connections (intrusive list)
  size_t connections_ = 0;
  bool stopping_ = false;
  uv_prepare_t prepare_{};
  uv_timer_t sweep_{};
  uv_async_t change_async_{};
  uint64_t feed_handle_ = 0;
  std::mutex changes_mutex_;                    // guards pending_changes_
  std::vector<storage::MailboxChange> pending_changes_;
  std::multimap<storage::MailboxId, std::pair<uint64_t, ChangeHandler>> watchers_;
  uint64_t next_watch_ = 1;
};

}  // namespace loft::server

// The server: N event loops (server/loop.h) that share one Store, one config
// and one TLS context. Loop 0 runs on the caller's thread and owns the
// listeners: it accepts every connection and hands each to the loop with the
// fewest connections, which then does all of that connection's I/O. Also the
// connection limit across loops, the TLS context swap at reload, and stop.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "server/address_limits.h"
#include "server/lmtp/alias_source.h"
#include "server/auth_cache.h"
#include "server/login_throttle.h"
#include "server/loop.h"
#include "server/memory_trim.h"
#include "server/work_quota.h"
#include "storage/store.h"

namespace loft::server {
namespace search {
class BackgroundIndexer;
}

class Connection;
class TlsContext;
union StreamHandle;

// A listener after bind: what loftd reports in its ready file.
struct BoundListener {
  const ListenerConfig* config;
  std::string address;  // "127.0.0.1:40123" with the real port, or "unix:/path"
};

class Server {
 public:
  // Everything referenced must outlive the server; loop runs loop 0 on the
  // caller's thread. tls may be null only when no listener uses TLS.
  Server(uv_loop_t* loop, const Config& config, storage::Store& store, std::shared_ptr<TlsContext> tls);
  ~Server();

  // Binds every configured listener, starts the loops and accepting. On
  // failure nothing is left listening (call stop() and run loop 0 to finish).
  Result<std::vector<BoundListener>> start();
  // Loop 0: stops accepting and stops every loop (each says goodbye to its
  // sessions and lets in-flight work finish), so that every uv_run returns.
  void stop();
  // Waits for the threads of loops 1..N-1 (after loop 0's run returned).
  void join();

  const Config& config() const { return config_; }
  storage::Store& store() { return store_; }
  // The TLS context for new connections (null without TLS). A connection
  // keeps the context it started with: OpenSSL reference-counts it.
  std::shared_ptr<TlsContext> tls() const;
  // Replaces the context for new connections (any thread).
  void set_tls(std::shared_ptr<TlsContext> tls);
  // Open connections per remote address (limits.max_connections_per_address).
  AddressLimits& address_limits() { return address_limits_; }
  // Failed-login delays and lockouts, shared by every protocol.
  LoginThrottle& login_throttle() { return login_throttle_; }
  // Recent successful password checks (auth.cache_seconds, auth.cache_entries).
  AuthCache& auth_cache() { return auth_cache_; }
  // The quota of worker threads password checks may occupy (auth.hash_concurrency).
  WorkQuota& auth_quota() { return auth_quota_; }
  // The quota of workers the mailbox operations may hold while their commit
  // waits for its fsync (CREATE, DELETE, RENAME, SUBSCRIBE, SETMETADATA:
  // rare, blocking calls): a quarter of worker_threads, at least one.
  WorkQuota& store_write_quota() { return store_write_quota_; }
  // The LMTP aliases file ([lmtp] aliases): loaded by start(), again on SIGHUP.
  lmtp::AliasSource& aliases() { return aliases_; }

  // Loop-thread subscription to committed changes of one mailbox, on the
  // calling thread's loop (see Loop::watch_mailbox).
  using ChangeHandler = Loop::ChangeHandler;
  uint64_t watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler);
  void unwatch_mailbox(uint64_t handle);

  // How long stop() lets sessions finish in-flight work before cutting them.
  static constexpr uint64_t kStopGraceMs = 10000;
  size_t loop_count() const { return loops_.size(); }
  Loop& loop(size_t i) { return *loops_[i]; }
  // Open client connections over every loop (max_connections holds for it).
  size_t connection_count() const { return total_.load(std::memory_order_relaxed); }
  // Called by Loop when a counted connection goes away.
  void release_connection() { total_.fetch_sub(1, std::memory_order_relaxed); }
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  // Returns the memory of a burst of connections to the kernel after it.
  MemoryTrim& memory_trim() { return memory_trim_; }

  // loftd's full-text indexer (null when [search] index = false); it must
  // outlive the server. stop() interrupts its admin tasks.
  void set_indexer(search::BackgroundIndexer* indexer) { indexer_ = indexer; }
  search::BackgroundIndexer* indexer() { return indexer_; }

  // The number of loops `loops = 0` means: one per core.
  static unsigned resolve_loops(unsigned configured);

 private:
  struct Listener;
  static void on_connection(uv_stream_t* s, int status);
  Result<std::string> bind(Listener* l);
  Loop& pick_loop(const ListenerConfig& c);
  void hand_off(Listener* l, Loop& target);
  void adopt(Loop& loop, const ListenerConfig& c, StreamHandle* h);

  const Config& config_;
  storage::Store& store_;
  mutable std::mutex tls_mutex_;  // guards tls_ (swapped at reload)
  std::shared_ptr<TlsContext> tls_;
  std::vector<std::unique_ptr<Loop>> loops_;
  AddressLimits address_limits_;
  LoginThrottle login_throttle_;
  AuthCache auth_cache_;
  WorkQuota auth_quota_;
  WorkQuota store_write_quota_;
  lmtp::AliasSource aliases_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::atomic<size_t> total_{0};
  MemoryTrim memory_trim_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;     // the loops run (stop must reach them by post)
  unsigned next_loop_ = 0;  // round-robin among equally loaded loops
  search::BackgroundIndexer* indexer_ = nullptr;
};

}  // namespace loft::server

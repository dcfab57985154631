// One client connection: a libuv stream (TCP or UNIX), a chain of transforms
// (TLS, DEFLATE; server/transform/) and the protocol Session that drives it.
// Output is appended to a buffer and flushed once per loop iteration (its
// Loop's prepare handle), so a pipeline of replies becomes one write. Lives on
// one Loop, until its handle is closed and no offloaded work refers to it.
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/config.h"
#include "server/session.h"
#include "server/transform/chain.h"

namespace loft::server {

class Loop;
class Server;

// Storage for an accepted stream of either kind; Connection frees it.
union StreamHandle {
  uv_handle_t handle;
  uv_stream_t stream;
  uv_tcp_t tcp;
  uv_pipe_t pipe;
};

class Connection {
 public:
  // Takes over an accepted stream (allocated by the listener on `loop`'s uv
  // loop, freed here).
  Connection(Server& server, Loop& loop, const ListenerConfig& listener, StreamHandle* stream, bool loopback,
             std::string peer);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Installs the session and starts reading (and the TLS handshake for implicit TLS).
  void start(std::unique_ptr<Session> session);

  // Queues plaintext for the peer; flushed before the loop next sleeps.
  void write(std::string_view bytes);
  // The same for a buffer the caller gives up: taken without a copy when
  // nothing else waits (the steps of a large FETCH).
  void write_owned(std::string bytes);
  // Sends what is queued in plaintext now, then speaks TLS (RFC 3501 §6.2.1,
  // RFC 3207): bytes read after this call are ciphertext.
  void start_tls();
  // Sends what is queued uncompressed now, then compresses both directions
  // (RFC 4978 §3: the tagged OK is the last uncompressed output).
  void start_compress();
  // Bytes the session received after the COMPRESS line, before the inflater
  // existed: they are compressed (RFC 4978 §3); inflates them and hands the
  // result back to the session.
  void redecode_input(std::string_view bytes);
  // Closes once everything queued has been written.
  void close_after_flush();
  // Closes now, dropping queued output.
  void abort();
  // Acknowledges received TCP data at once instead of after the kernel's
  // delayed-ACK timer (TCP_QUICKACK); nothing for other stream kinds.
  void ack_now();

  // Runs work on a worker thread, then done on the loop thread, unless the
  // connection closed meanwhile (done is then dropped, never run). after, if
  // given, runs on the loop thread in either case (for bookkeeping such as a
  // WorkQuota's slot).
  void offload(std::function<void()> work, std::function<void()> done, std::function<void()> after = {});
  // For store calls that complete on their own thread (async commits): start
  // runs on a worker and is handed `finished`, which the store calls once, from
  // any thread, when its batch is durable; done then runs on this
  // connection's loop (dropped if it closed meanwhile). No worker waits for
  // the fsync: start returns as soon as the request is queued.
  void offload_async(std::function<void(std::function<void()> finished)> start, std::function<void()> done);
  // Runs fn on the loop thread after delay_ms, unless the connection closed
  // meanwhile; the connection stays allocated until then (a timer, no thread).
  void after_delay(uint64_t delay_ms, std::function<void()> fn);
  // Keeps the connection allocated (not open) across an asynchronous wait
  // that is not an offload; every retain() needs one release().
  void retain() { ++pending_work_; }
  void release();

  // Bytes queued or being written: sessions stream while this is small.
  size_t backlog() const { return out_.size() + in_flight_; }
  static constexpr size_t kLowWater = 64 * 1024;
  static constexpr size_t kHighWater = 256 * 1024;
  // Output backpressure: at or above the high-water mark the session takes no
  // more commands and reading pauses, until the backlog falls below kLowWater.
  bool output_full() const { return backlog() >= kHighWater; }

  bool tls_active() const { return chain_.has(Transform::Kind::tls); }
  bool compress_active() const { return chain_.has(Transform::Kind::deflate); }
  // The login timeout counts again from now (IMAP UNAUTHENTICATE, RFC 8437).
  void restart_login_clock();
  // TLS, or a UNIX socket: credentials may travel in the clear.
  bool secure() const { return tls_active() || listener_.is_unix; }
  bool loopback() const { return loopback_; }
  bool closing() const { return closing_ || close_pending_; }
  const ListenerConfig& listener() const { return listener_; }
  const std::string& peer() const { return peer_; }
  // The peer's IP address without the port ("unix" for a UNIX socket): the
  // key of per-address limits and login throttling.
  std::string peer_address() const;
  Server& server() { return server_; }
  // The loop that owns this connection: its thread runs every callback here;
  // Loop::post() brings work from other threads back to it.
  Loop& loop() { return loop_; }
  // Unique in the process: the session id of log lines.
  uint64_t id() const { return id_; }
  // Stops/starts reading from the socket (input backpressure).
  void pause_reading();
  void resume_reading();

  // Called by Server: write queued output to the socket.
  void flush();
  // Counts this connection against its address's limit; false when the
  // address is at its limit (nothing counted). Released when the connection goes.
  bool count_address();

  // Called by Server's sweep timer with the loop time: closes the connection
  // when the client read nothing of pending output for the stall limit, did
  // not log in within the login timeout, or idled past the idle limit.
  void check_timers(uint64_t now_ms);
  // Called by Server: the server stops; the session says goodbye and the
  // connection closes after flushing.
  void shutdown();
  // Work in flight or a command in progress.
  bool busy() const;

  // Intrusive list of live connections, owned by Loop.
  Connection* prev_ = nullptr;
  Connection* next_ = nullptr;
  bool flush_scheduled_ = false;

 private:
  ~Connection();
  static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf);
  static void on_write(uv_write_t* req, int status);
  static void on_closed(uv_handle_t* h);
  void handle_input(std::string_view raw);
  // --- the transform chain hook ---
  // Decodes bytes arriving at layer `first` and hands the result to the session.
  void deliver(std::string_view bytes, size_t first);
  // A transform holds input (the inflater's output cap): decode more while
  // the session wants input; the socket is not read meanwhile.
  void drain_pending_input();
  void start_socket_reading();
  void stop_socket_reading();
  void send_raw(std::string bytes);
  void schedule_flush();
  void maybe_finish_close();
  void maybe_destroy();

  Server& server_;
  Loop& loop_;
  uint64_t id_;
  const ListenerConfig& listener_;
  StreamHandle* handle_;
  uv_stream_t* stream_;
  std::unique_ptr<Session> session_;
  TransformChain chain_;      // empty: plaintext
  std::string out_;          // plaintext waiting for flush()
  size_t in_flight_ = 0;     // bytes handed to uv_write, not yet written
  uint32_t pending_work_ = 0;
  uint64_t opened_at_ = 0;      // loop time of accept
  uint64_t last_read_ = 0;      // loop time of the last bytes received
  uint64_t last_progress_ = 0;  // loop time output last moved (queued while empty, or written)
  std::string peer_;
  bool loopback_ = false;
  bool reading_ = false;
  bool want_reading_ = true;  // the session takes input (see pause_reading)
  bool draining_ = false;      // in drain_pending_input()
  bool opened_ = false;        // session->on_open() has run
  bool close_pending_ = false;
  bool closing_ = false;       // uv_close called
  bool closed_ = false;        // close callback ran
  bool address_counted_ = false;  // counted in Server::address_limits()
};

}  // namespace loft::server

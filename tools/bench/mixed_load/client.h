// mixed_load: one client of imap_mixed.py (client_loop + session) as a non-blocking
// state machine over implicit TLS, driven by main.cc's epoll loop.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "stats.h"

namespace mixed_load {

using Clock = std::chrono::steady_clock;

// Shared by every client of the process.
struct ClientConfig {
  sockaddr_storage address{};
  socklen_t address_length = 0;
  SSL_CTX* tls = nullptr;
  std::string password;
  std::string append_message;  // the APPEND literal
  Clock::time_point deadline;  // no new session or mix command after it
  Clock::duration timeout{};   // the longest wait for the server (connect, handshake, a read)
  int epoll_fd = -1;
};

class Client {
 public:
  // `index` identifies the client in the epoll data (main.cc: clients[index]).
  Client(const ClientConfig& config, Stats& stats, uint32_t index, std::string user, uint64_t seed);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // epoll data for this client's current socket: the index and a connection count,
  // so an event still queued for a closed socket is recognised and dropped.
  static uint64_t epoll_key(uint32_t index, uint32_t connection) { return uint64_t{index} << 32 | connection; }

  void start();                            // the first session's connection
  void on_event(uint32_t connection);      // its socket is ready: every step possible now
  void check_timeout(Clock::time_point now);
  bool finished() const { return phase_ == Phase::kFinished; }

 private:
  enum class Phase { kConnecting, kHandshake, kGreeting, kReply, kContinuation, kFinished };
  // the command whose tagged reply is awaited
  enum class Step { kLogin, kSelect, kMix, kAppend, kNoop, kStoreDeleted, kExpunge, kLogout };
  enum class Io { kProgress, kWait, kStopped };

  void connect();
  void close_connection();
  void fail(std::string message);  // fatal: ends this client, as client_loop returns
  Io finish_connect();
  Io handshake();
  Io flush_output();
  Io read_input();
  void process_input();
  void handle_line(std::string_view line);
  void on_tagged(std::string_view status, std::string_view text);
  void send(std::string_view text, Step step);
  void next_mix_command();
  std::string tls_error(const char* what, int ssl_error) const;

  const ClientConfig& config_;
  Stats& stats_;
  const uint32_t index_;
  const std::string user_;
  std::mt19937_64 rng_;

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  bool tls_broken_ = false;  // a fatal TLS error: no close_notify may be sent
  uint32_t connection_ = 0;  // counts connections; see epoll_key
  Phase phase_ = Phase::kFinished;
  Clock::time_point wait_deadline_;

  // input: bytes [input_begin_, input_end_) of input_ are unread; a literal's bytes
  // are dropped as they arrive, so only a partial line is ever kept or moved
  std::vector<char> input_;
  size_t input_begin_ = 0;
  size_t input_end_ = 0;
  size_t line_scanned_ = 0;    // bytes after input_begin_ already known to hold no '\n'
  uint64_t literal_left_ = 0;  // literal bytes still to drop
  std::string output_;
  size_t output_sent_ = 0;

  // the session (session() in imap_mixed.py)
  uint32_t tag_number_ = 0;
  std::string tag_;  // "aN " of the awaited reply, with its space
  Step step_ = Step::kLogin;
  const char* mix_name_ = "";
  Clock::time_point sent_at_;
  int64_t reply_exists_ = -1;  // the largest "* N EXISTS" of the awaited reply, -1 when none
  uint32_t exists_ = 0;
  uint32_t commands_left_ = 0;
};

}  // namespace mixed_load

// mixed_load: the connection side of Client: non-blocking connect, TLS handshake,
// reads and writes, cutting the input into lines and literals, timeouts (the IMAP
// steps are in session.cc).
#include "client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>

#include <openssl/err.h>

namespace mixed_load {

namespace {

constexpr size_t kInitialInputBytes = 256 << 10;
constexpr size_t kReadSpaceBytes = 64 << 10;  // free space kept in the input buffer for each SSL_read
constexpr size_t kMaxLineBytes = 1 << 20;

}  // namespace

Client::Client(const ClientConfig& config, Stats& stats, uint32_t index, std::string user, uint64_t seed)
    : config_(config), stats_(stats), index_(index), user_(std::move(user)), rng_(seed),
      input_(kInitialInputBytes) {}

Client::~Client() { close_connection(); }

void Client::start() {
  if (Clock::now() < config_.deadline) connect();
}

void Client::connect() {
  ++connection_;
  input_begin_ = input_end_ = line_scanned_ = 0;
  literal_left_ = 0;
  output_.clear();
  output_sent_ = 0;
  tag_number_ = 0;
  tls_broken_ = false;
  wait_deadline_ = Clock::now() + config_.timeout;
  phase_ = Phase::kConnecting;
  fd_ = ::socket(config_.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::string("OSError: socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as asyncio's transports do
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&config_.address), config_.address_length) == 0)
    phase_ = Phase::kHandshake;
  else if (errno != EINPROGRESS)
    return fail(std::string("OSError: connect: ") + std::strerror(errno));
  // edge-triggered for both directions: registered once per connection, never modified
  epoll_event event{};
  event.events = EPOLLIN | EPOLLOUT | EPOLLET;
  event.data.u64 = epoll_key(index_, connection_);
  if (::epoll_ctl(config_.epoll_fd, EPOLL_CTL_ADD, fd_, &event) != 0)
    return fail(std::string("OSError: epoll_ctl: ") + std::strerror(errno));
  ssl_ = SSL_new(config_.tls);
  if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return fail(tls_error("SSL_new", SSL_ERROR_SSL));
  SSL_set_connect_state(ssl_);
}

void Client::close_connection() {
  if (ssl_ != nullptr) {
    // close_notify, without waiting for the server's (asyncio's close() waits at most 5 s)
    if (!tls_broken_ && SSL_is_init_finished(ssl_)) SSL_shutdown(ssl_);
    SSL_free(ssl_);
    ssl_ = nullptr;
    ERR_clear_error();
  }
  if (fd_ >= 0) {
    ::close(fd_);  // also leaves the epoll set
    fd_ = -1;
  }
}

void Client::fail(std::string message) {
  stats_.add_fatal(std::move(message));
  close_connection();
  phase_ = Phase::kFinished;
}

std::string Client::tls_error(const char* what, int ssl_error) const {
  const unsigned long queued = ERR_get_error();
  if (queued != 0) {
    char text[256];
    ERR_error_string_n(queued, text, sizeof text);
    return std::string("SSLError: ") + what + ": " + text;
  }
  if (ssl_error == SSL_ERROR_SYSCALL && errno != 0)
    return std::string("OSError: ") + what + ": " + std::strerror(errno);
  return std::string("SSLError: ") + what + ": error " + std::to_string(ssl_error);
}

void Client::check_timeout(Clock::time_point now) {
  if (phase_ == Phase::kFinished || now <= wait_deadline_) return;
  char message[64];
  std::snprintf(message, sizeof message, "TimeoutError: no progress in %g s",
                std::chrono::duration<double>(config_.timeout).count());
  fail(message);
}

void Client::on_event(uint32_t connection) {
  if (connection != connection_) return;  // queued for a socket closed since
  for (;;) {
    Io io = Io::kWait;
    switch (phase_) {
      case Phase::kFinished:
        return;
      case Phase::kConnecting:
        io = finish_connect();
        break;
      case Phase::kHandshake:
        io = handshake();
        break;
      case Phase::kGreeting:
      case Phase::kReply:
      case Phase::kContinuation: {
        const Io wrote = flush_output();
        if (wrote == Io::kStopped) return;
        io = read_input();
        if (io == Io::kWait && wrote == Io::kProgress) io = Io::kProgress;
        break;
      }
    }
    if (io != Io::kProgress) return;  // kWait: edge-triggered epoll reports the next change
  }
}

Client::Io Client::finish_connect() {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    fail(std::string("OSError: connect: ") + std::strerror(error));
    return Io::kStopped;
  }
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof peer;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) return Io::kWait;  // not yet
  phase_ = Phase::kHandshake;
  return Io::kProgress;
}

Client::Io Client::handshake() {
  ERR_clear_error();
  const int result = SSL_connect(ssl_);
  if (result == 1) {
    phase_ = Phase::kGreeting;
    wait_deadline_ = Clock::now() + config_.timeout;
    return Io::kProgress;
  }
  const int error = SSL_get_error(ssl_, result);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Io::kWait;
  tls_broken_ = true;
  fail(tls_error("handshake", error));
  return Io::kStopped;
}

Client::Io Client::flush_output() {
  if (output_sent_ == output_.size()) return Io::kWait;
  while (output_sent_ < output_.size()) {
    ERR_clear_error();
    const size_t left = std::min<size_t>(output_.size() - output_sent_, INT_MAX);
    const int written = SSL_write(ssl_, output_.data() + output_sent_, static_cast<int>(left));
    if (written > 0) {
      output_sent_ += static_cast<size_t>(written);
      continue;
    }
    const int error = SSL_get_error(ssl_, written);
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return Io::kWait;
    tls_broken_ = true;
    fail(tls_error("write", error));
    return Io::kStopped;
  }
  output_.clear();
  output_sent_ = 0;
  return Io::kProgress;
}

Client::Io Client::read_input() {
  if (input_.size() - input_end_ < kReadSpaceBytes) {
    // only a partial line is left here (literal bytes are dropped as they come)
    std::memmove(input_.data(), input_.data() + input_begin_, input_end_ - input_begin_);
    input_end_ -= input_begin_;
    input_begin_ = 0;
    if (input_.size() - input_end_ < kReadSpaceBytes) input_.resize(input_.size() * 2);
  }
  ERR_clear_error();
  const size_t space = std::min<size_t>(input_.size() - input_end_, INT_MAX);
  const int got = SSL_read(ssl_, input_.data() + input_end_, static_cast<int>(space));
  if (got > 0) {
    input_end_ += static_cast<size_t>(got);
    wait_deadline_ = Clock::now() + config_.timeout;
    process_input();
    return Io::kProgress;
  }
  const int error = SSL_get_error(ssl_, got);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return Io::kWait;
  tls_broken_ = error != SSL_ERROR_ZERO_RETURN;  // after the server's close_notify ours may still go
  if (error == SSL_ERROR_ZERO_RETURN ||
      (error == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING))
    fail("ConnectionError: server closed the connection");
  else
    fail(tls_error("read", error));
  return Io::kStopped;
}

void Client::process_input() {
  const uint32_t connection = connection_;
  while (phase_ != Phase::kFinished && connection == connection_) {
    const size_t available = input_end_ - input_begin_;
    if (literal_left_ > 0) {
      const size_t dropped = static_cast<size_t>(std::min<uint64_t>(literal_left_, available));
      input_begin_ += dropped;
      literal_left_ -= dropped;
      if (literal_left_ > 0) break;
      continue;
    }
    const char* start = input_.data() + input_begin_;
    const void* newline = std::memchr(start + line_scanned_, '\n', available - line_scanned_);
    if (newline == nullptr) {
      line_scanned_ = available;
      if (available > kMaxLineBytes) fail("ProtocolError: a line longer than 1 MiB");
      break;
    }
    const size_t length = static_cast<size_t>(static_cast<const char*>(newline) - start) + 1;
    input_begin_ += length;
    line_scanned_ = 0;
    handle_line(std::string_view(start, length));
  }
  if (input_begin_ == input_end_) input_begin_ = input_end_ = 0;
}

}  // namespace mixed_load

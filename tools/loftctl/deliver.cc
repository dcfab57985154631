// loftctl deliver: a message from standard input into one account, as an MDA
// (Postfix mailbox_command, Exim pipe transport, procmail's place). Through
// the running server's admin socket, streamed in CHUNK frames; when no
// server runs, straight into the store. Exit codes are sysexits.h's, which
// MTAs map to bounce or retry.
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "protocol/admin/line_splitter.h"
#include "server/admin/admin_service.h"
#include "storage/store.h"
#include "tools/loftctl/loftctl.h"

namespace loft::tools {

namespace {

namespace wire = loft::proto::admin;
constexpr size_t kPiece = 64 * 1024;

// sysexits.h for an Errc: what the MTA should do with the message.
int exit_for(Errc code) {
  switch (code) {
    case Errc::not_found: return EX_NOUSER;     // 5.1.1 bounce
    case Errc::bad_input: return EX_USAGE;
    case Errc::no_quota: return EX_CANTCREAT;   // mailbox full (Postfix: 5.2.0)
    case Errc::too_big: return EX_DATAERR;
    case Errc::perm: return EX_NOPERM;
    default: return EX_TEMPFAIL;                // retry later
  }
}

int fail(Errc code, const std::string& message) {
  std::cerr << "loftctl deliver: " << message << "\n";
  return exit_for(code);
}

// Reads up to kPiece bytes of stdin; Errc::temp on a read error.
Result<size_t> read_stdin(char* buf) {
  while (true) {
    ssize_t n = ::read(STDIN_FILENO, buf, kPiece);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return make_error(Errc::temp, std::string("reading the message: ") + std::strerror(errno));
  }
}

int deliver_offline(const Config& config, const wire::Request& request) {
  auto store = storage::Store::open({.path = config.store_path(), .sync = config.storage_sync});
  if (!store) {
    if (store.error().code == Errc::in_use) return fail(Errc::temp, "the store is locked by a server whose admin socket is unreachable");
    return fail(Errc::temp, "cannot open the store: " + store.error().message);
  }
  server::AdminService service(**store);
  auto target = service.delivery_target(request);
  if (!target) return fail(target.error().code, request.name + ": " + target.error().message);
  auto writer = (*store)->begin_body();
  if (!writer) return fail(writer.error().code, writer.error().message);
  std::string buf(kPiece, '\0');
  uint64_t size = 0;
  while (true) {
    auto n = read_stdin(buf.data());
    if (!n) return EX_IOERR + 0 * std::fprintf(stderr, "loftctl deliver: %s\n", n.error().message.c_str());
    if (*n == 0) break;
    size += *n;
    if (size > config.limits.max_message_size) return fail(Errc::too_big, "message larger than limits.max_message_size");
    if (auto w = (*writer)->write(std::string_view(buf.data(), *n)); !w) return fail(w.error().code, w.error().message);
  }
  auto response = service.deliver(**writer, *target);
  if (!response.ok) return fail(response.error.code, response.error.message);
  return EX_OK;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() { if (fd_ >= 0) ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }
  bool send_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // The next whole response; Errc::temp when the server goes away.
  Result<wire::Response> response() {
    wire::ResponseReader reader;
    char buf[4096];
    while (true) {
      while (!in_.empty()) {
        std::string_view v(in_);
        auto st = splitter_.next(&v);
        in_.erase(0, in_.size() - v.size());
        if (st == wire::LineSplitter::Status::need_more) break;
        if (st == wire::LineSplitter::Status::too_long) return make_error(Errc::temp, "over-long line from the server");
        auto done = reader.add_line(splitter_.line());
        if (!done) return make_error(Errc::temp, "bad answer from the server");
        if (*done) return std::move(reader.response());
      }
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return make_error(Errc::temp, "the server closed the admin socket");
      in_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  wire::LineSplitter splitter_;
  std::string in_;
};

}  // namespace

int deliver(const Config& config, bool offline, const wire::Request& request) {
  const ListenerConfig* admin = config.find_listener(ListenerProtocol::admin);
  if (offline || !admin) return deliver_offline(config, request);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (admin->unix_path.size() >= sizeof(addr.sun_path)) return fail(Errc::bad_input, "admin socket path too long");
  std::memcpy(addr.sun_path, admin->unix_path.data(), admin->unix_path.size());
  Socket s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (s.fd() < 0) return fail(Errc::temp, std::string("socket: ") + std::strerror(errno));
  timeval tv{kTimeoutSeconds, 0};
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s.fd(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED) return deliver_offline(config, request);  // no server
    return fail(Errc::temp, "cannot connect to the admin socket " + admin->unix_path + ": " + std::strerror(errno));
  }
  auto line = wire::encode_request(request);
  if (!line) return fail(line.error().code, line.error().message);
  if (!s.send_all(*line)) return fail(Errc::temp, "the server closed the admin socket");
  auto go = s.response();
  if (!go) return fail(go.error().code, go.error().message);
  if (!go->ok) return fail(go->error.code, request.name + ": " + go->error.message);
  std::string buf(kPiece, '\0');
  while (true) {
    auto n = read_stdin(buf.data());
    if (!n) return EX_IOERR + 0 * std::fprintf(stderr, "loftctl deliver: %s\n", n.error().message.c_str());
    // A read error above drops the connection before CHUNK 0: nothing is stored.
    if (!s.send_all(wire::encode_chunk_header(*n)) || !s.send_all(std::string_view(buf.data(), *n)))
      break;  // the server refused or went away: its answer says why
    if (*n == 0) break;
  }
  auto done = s.response();
  if (!done) return fail(done.error().code, done.error().message);
  if (!done->ok) return fail(done->error.code, done->error.message);
  return EX_OK;
}

}  // namespace loft::tools

#include "tools/loftctl/loftctl.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "protocol/admin/line_splitter.h"

namespace loft::tools {

namespace {

namespace wire = loft::proto::admin;


class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { if (fd_ >= 0) close(fd_); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

Error io_error(const std::string& what, const std::string& path) {
  return make_error(Errc::temp, what + " admin socket " + path + ": " + std::strerror(errno));
}

Result<void> send_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("cannot write to", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<wire::Response> call_admin_socket(const std::string& path, const wire::Request& request,
                                         const std::function<void(const std::vector<std::string>&)>& on_row) {
  auto line = encode_request(request);
  if (!line) return line.error();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return make_error(Errc::bad_input, "admin socket path too long: " + path);
  std::memcpy(addr.sun_path, path.data(), path.size());

  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return io_error("cannot create a socket for the", path);
  const bool check = request.kind == wire::RequestKind::store_check || request.kind == wire::RequestKind::store_repair ||
                     request.kind == wire::RequestKind::index_status || request.kind == wire::RequestKind::index_rebuild ||
                     request.kind == wire::RequestKind::index_optimize;
  timeval tv{check ? kCheckTimeoutSeconds : kTimeoutSeconds, 0};
  setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno == ENOENT || errno == ECONNREFUSED)
      return make_error(Errc::not_found, "no server listening on " + path + ": " + std::strerror(errno));
    return io_error("cannot connect to the", path);
  }
  if (auto ok = send_all(fd.get(), *line, path); !ok) return ok.error();

  wire::LineSplitter splitter;
  wire::ResponseReader reader;
  char buf[4096];
  while (true) {
    ssize_t n = recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("cannot read from the", path);
    if (n == 0) return make_error(Errc::temp, "the server closed the admin socket before answering");
    std::string_view in(buf, static_cast<size_t>(n));
    while (!in.empty()) {
      auto st = splitter.next(&in);
      if (st == wire::LineSplitter::Status::need_more) break;
      if (st == wire::LineSplitter::Status::too_long)
        return make_error(Errc::temp, "the server sent an over-long line");
      auto done = reader.add_line(splitter.line());
      if (!done) return make_error(Errc::temp, "bad answer from the server: " + done.error().message);
      if (*done) return std::move(reader.response());
      if (on_row) on_row(reader.response().rows.back());
    }
  }
}

}  // namespace loft::tools

#include "server/server.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "base/log.h"
#include "server/connection.h"
#include "server/search/background.h"
#include "server/session_factory.h"

namespace loft::server {

namespace {
// socket_owner / socket_group of a UNIX listener (e.g. postfix's group for
// `lmtp:unix:`); changing the owner needs root, the group membership.
Result<void> chown_socket(const ListenerConfig& c) {
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (!c.socket_owner.empty()) {
    const passwd* pw = ::getpwnam(c.socket_owner.c_str());
    if (!pw) return make_error(Errc::bad_input, "listener " + c.address + ": no user " + c.socket_owner);
    uid = pw->pw_uid;
  }
  if (!c.socket_group.empty()) {
    const group* gr = ::getgrnam(c.socket_group.c_str());
    if (!gr) return make_error(Errc::bad_input, "listener " + c.address + ": no group " + c.socket_group);
    gid = gr->gr_gid;
  }
  if (::chown(c.unix_path.c_str(), uid, gid) != 0)
    return make_error(Errc::perm, "listener " + c.address + ": chown: " + std::strerror(errno));
  return {};
}
}  // namespace

struct Server::Listener {
  Server* server = nullptr;
  const ListenerConfig* config = nullptr;
  StreamHandle h{};
};

Server::Server(uv_loop_t* loop, const Config& config, storage::Store& store, std::shared_ptr<TlsContext> tls)
    : config_(config), store_(store), tls_(std::move(tls)),
      address_limits_(config.limits.max_connections_per_address), login_throttle_(config.auth),
      auth_cache_(config.auth.cache_entries, uint64_t{config.auth.cache_seconds} * 1000),
      auth_quota_(config.auth.hash_concurrency ? config.auth.hash_concurrency
                                               : std::max(1u, std::thread::hardware_concurrency() / 2)),
      store_write_quota_(std::max(1u, config.worker_threads / 4)),
      aliases_(config.lmtp.aliases) {
  unsigned n = resolve_loops(config_.loops);
  for (unsigned i = 0; i < n; ++i) loops_.push_back(std::make_unique<Loop>(*this, i, i == 0 ? loop : nullptr));
}

Server::~Server() {
  join();
  loops_.clear();  // before listeners_: loop 0's handles are closed by then
}

unsigned Server::resolve_loops(unsigned configured) {
  if (configured > 0) return configured;
  unsigned cores = std::thread::hardware_concurrency();
  return cores > 0 ? cores : 1;
}

std::shared_ptr<TlsContext> Server::tls() const {
  std::lock_guard lock(tls_mutex_);
  return tls_;
}

void Server::set_tls(std::shared_ptr<TlsContext> tls) {
  std::lock_guard lock(tls_mutex_);
  tls_.swap(tls);
  // the old context is released here (after the lock): connections that
  // started with it keep it alive through their own SSL reference.
}

Result<std::vector<BoundListener>> Server::start() {
  std::vector<BoundListener> bound;
  if (auto loaded = aliases_.load(); !loaded) return loaded.error();  // before anything listens
  for (const auto& lc : config_.listeners) {
    auto l = std::make_unique<Listener>();
    l->server = this;
    l->config = &lc;
    Listener* raw = l.get();
    listeners_.push_back(std::move(l));  // owned before any uv_close can refer to it
    auto addr = bind(raw);
    if (!addr) {
      stop();
      return addr.error();
    }
    bound.push_back({&lc, *addr});
  }
  for (auto& loop : loops_) loop->start();
  started_ = true;
  return bound;
}

Result<std::string> Server::bind(Listener* l) {
  const ListenerConfig& c = *l->config;
  uv_handle_t* handle = &l->h.handle;
  int r;
  std::string where;
  if (c.is_unix) {
    uv_pipe_init(loops_[0]->uv(), &l->h.pipe, 0);
    std::error_code ec;
    auto dir = std::filesystem::path(c.unix_path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    ::unlink(c.unix_path.c_str());  // a stale socket from a previous run
    r = uv_pipe_bind(&l->h.pipe, c.unix_path.c_str());
    // The admin socket is as powerful as root on the store: owner only. An
    // LMTP socket sits in the MTA's own private directory, which protects it.
    if (r == 0) {
      const mode_t mode = c.socket_mode ? c.socket_mode : (c.protocol == ListenerProtocol::admin ? 0600 : 0666);
      if (::chmod(c.unix_path.c_str(), mode) != 0) r = -errno;
    }
    if (r == 0 && (!c.socket_owner.empty() || !c.socket_group.empty())) {
      if (auto owned = chown_socket(c); !owned) {
        uv_close(handle, nullptr);
        return owned.error();
      }
    }
    where = "unix:" + c.unix_path;
  } else {
    uv_tcp_init(loops_[0]->uv(), &l->h.tcp);
    sockaddr_storage ss{};
    if (uv_ip4_addr(c.host.c_str(), c.port, reinterpret_cast<sockaddr_in*>(&ss)) != 0 &&
        uv_ip6_addr(c.host.c_str(), c.port, reinterpret_cast<sockaddr_in6*>(&ss)) != 0) {
      uv_close(handle, nullptr);
      return make_error(Errc::bad_input, "listener " + c.address + ": host must be a numeric IP address");
    }
    r = uv_tcp_bind(&l->h.tcp, reinterpret_cast<sockaddr*>(&ss), 0);
    if (r == 0) {
      sockaddr_storage actual{};
      int len = sizeof actual;
      uv_tcp_getsockname(&l->h.tcp, reinterpret_cast<sockaddr*>(&actual), &len);
      char ip[64] = {0};
      int port = 0;
      if (actual.ss_family == AF_INET6) {
        uv_ip6_name(reinterpret_cast<sockaddr_in6*>(&actual), ip, sizeof ip);
        port = ntohs(reinterpret_cast<sockaddr_in6*>(&actual)->sin6_port);
        where = std::string("[") + ip + "]:" + std::to_string(port);
      } else {
        uv_ip4_name(reinterpret_cast<sockaddr_in*>(&actual), ip, sizeof ip);
        port = ntohs(reinterpret_cast<sockaddr_in*>(&actual)->sin_port);
        where = std::string(ip) + ":" + std::to_string(port);
      }
    }
  }
  handle->data = l;
  // The kernel's largest accept queue (net.core.somaxconn caps it): a burst of
  // connects beyond the queue is dropped or left half-open by SYN cookies, where
  // loftd can neither serve nor refuse it.
  if (r == 0) r = uv_listen(&l->h.stream, SOMAXCONN, on_connection);
  if (r != 0) {
    uv_close(handle, nullptr);
    return make_error(Errc::temp, "cannot listen on " + c.address + ": " + uv_strerror(r));
  }
  return where;
}

void Server::on_connection(uv_stream_t* s, int status) {
  auto* l = static_cast<Listener*>(s->data);
  if (status < 0) {
    log_warn("accept on ", l->config->address, ": ", uv_strerror(status));
    return;
  }
  Server* self = l->server;
  Loop& target = self->pick_loop(*l->config);
  if (target.index() != 0) {
    self->hand_off(l, target);
    return;
  }
  auto* h = new StreamHandle{};
  if (l->config->is_unix) uv_pipe_init(target.uv(), &h->pipe, 0);
  else uv_tcp_init(target.uv(), &h->tcp);
  if (uv_accept(&l->h.stream, &h->stream) != 0) {
    uv_close(&h->handle, [](uv_handle_t* x) { delete reinterpret_cast<StreamHandle*>(x); });
    return;
  }
  self->memory_trim_.opened(self->total_.fetch_add(1, std::memory_order_relaxed) + 1);
  self->adopt(target, *l->config, h);
}

Loop& Server::pick_loop(const ListenerConfig& c) {
  // The admin socket stays on loop 0. Others go to the least loaded loop,
  // round-robin among equals, so that short connections spread evenly too.
  if (c.protocol == ListenerProtocol::admin || loops_.size() == 1) return *loops_[0];
  size_t n = loops_.size(), best = next_loop_ % n;
  for (size_t k = 1; k < n; ++k) {
    size_t i = (next_loop_ + k) % n;
    if (loops_[i]->connection_count() < loops_[best]->connection_count()) best = i;
  }
  next_loop_ = static_cast<unsigned>((best + 1) % n);
  return *loops_[best];
}

void Server::hand_off(Listener* l, Loop& target) {
  // A libuv handle belongs to one loop: accept on loop 0, move the socket
  // (a dup of its descriptor) to the target loop, close loop 0's handle.
  auto* tmp = new StreamHandle{};
  if (l->config->is_unix) uv_pipe_init(loops_[0]->uv(), &tmp->pipe, 0);
  else uv_tcp_init(loops_[0]->uv(), &tmp->tcp);
  int fd = -1;
  if (uv_accept(&l->h.stream, &tmp->stream) == 0) {
    uv_os_fd_t os_fd;
    if (uv_fileno(&tmp->handle, &os_fd) == 0) fd = ::dup(os_fd);
  }
  uv_close(&tmp->handle, [](uv_handle_t* x) { delete reinterpret_cast<StreamHandle*>(x); });
  if (fd < 0) return;
  memory_trim_.opened(total_.fetch_add(1, std::memory_order_relaxed) + 1);
  const ListenerConfig* c = l->config;
  bool posted = target.post([this, &target, c, fd] {
    auto* h = new StreamHandle{};
    int r = c->is_unix ? uv_pipe_init(target.uv(), &h->pipe, 0) : uv_tcp_init(target.uv(), &h->tcp);
    if (r == 0) r = c->is_unix ? uv_pipe_open(&h->pipe, fd) : uv_tcp_open(&h->tcp, fd);
    if (r != 0 || target.stopping()) {
      if (r != 0) log_warn("loop ", target.index(), ": cannot adopt a connection: ", uv_strerror(r));
      uv_close(&h->handle, [](uv_handle_t* x) { delete reinterpret_cast<StreamHandle*>(x); });
      if (r != 0) ::close(fd);  // once opened, uv_close closes it
      release_connection();
      return;
    }
    adopt(target, *c, h);
  });
  if (!posted) {
    ::close(fd);
    release_connection();
  }
}

void Server::adopt(Loop& loop, const ListenerConfig& c, StreamHandle* h) {
  bool loopback = c.is_unix;
  std::string peer = c.is_unix ? "unix" : "?";
  if (!c.is_unix) {
    uv_tcp_nodelay(&h->tcp, 1);
    sockaddr_storage ss{};
    int len = sizeof ss;
    if (uv_tcp_getpeername(&h->tcp, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      char ip[64] = {0};
      if (ss.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        uv_ip4_name(a, ip, sizeof ip);
        loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
        peer = std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
      } else if (ss.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        uv_ip6_name(a, ip, sizeof ip);
        loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) ||
                   (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && a->sin6_addr.s6_addr[12] == 127);
        peer = std::string("[") + ip + "]:" + std::to_string(ntohs(a->sin6_port));
      }
    }
  }
  auto* conn = new Connection(*this, loop, c, h, loopback, std::move(peer));
  loop.link(conn);
  // Counted at accept over every loop, so the limit holds whatever the loop.
  bool over_limit = false;
  if (c.protocol != ListenerProtocol::admin) {
    over_limit = connection_count() > config_.limits.max_connections;
    if (over_limit)
      LogEvent(LogLevel::info, "server", "refused").session(conn->id()).remote(conn->peer()).field("reason", "total");
    // One address may not take every slot (limits.max_connections_per_address).
    if (!over_limit && !conn->count_address()) {
      over_limit = true;
      LogEvent(LogLevel::info, "server", "refused").session(conn->id()).remote(conn->peer())
          .field("reason", "per_address");
    }
  }
  conn->start(make_session(*conn, over_limit));
  if (over_limit) conn->close_after_flush();
}

uint64_t Server::watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler) {
  return Loop::current()->watch_mailbox(mailbox, std::move(handler));
}

void Server::unwatch_mailbox(uint64_t handle) { Loop::current()->unwatch_mailbox(handle); }

void Server::stop() {
  if (stopping_.exchange(true)) return;
  log_info("stopping: no new connections; finishing in-flight work");
  if (indexer_) indexer_->stop_tasks();  // a rebuild must not hold an admin connection open
  for (auto& l : listeners_) {
    if (!uv_is_closing(&l->h.handle)) {
      uv_close(&l->h.handle, nullptr);
      if (l->config->is_unix) ::unlink(l->config->unix_path.c_str());
    }
  }
  // Each loop stops on its own thread; loops that never started stop here.
  for (auto& loop : loops_) {
    if (loop->index() == 0 || !started_) loop->stop();
    else if (!loop->post([l = loop.get()] { l->stop(); })) log_warn("loop ", loop->index(), " already stopped");
  }
}

void Server::join() {
  for (auto& loop : loops_) loop->join();
}

}  // namespace loft::server

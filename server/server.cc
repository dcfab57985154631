#include "server/server.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/log.h"
#include "server/connection.h"
#include "server/session_factory.h"

namespace loft::server {

struct Server::Listener {
  Server* server = nullptr;
  const ListenerConfig* config = nullptr;
  StreamHandle h{};
};

Server::Server(uv_loop_t* loop, const Config& config, storage::Store& store, TlsContext* tls)
    : loop_(loop), config_(config), store_(store), tls_(tls),
      address_limits_(config.limits.max_connections_per_address), login_throttle_(config.auth),
      auth_quota_(config.auth.hash_concurrency ? config.auth.hash_concurrency
                                               : std::max(1u, std::thread::hardware_concurrency() / 2)),
      read_buffer_(new char[kReadBufferSize]) {
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_timer_init(loop_, &sweep_);
  sweep_.data = this;
  uv_async_init(loop_, &change_async_, on_change);
  change_async_.data = this;
}

Server::~Server() {
  if (feed_handle_) store_.changes().unsubscribe(feed_handle_);
}

Result<std::vector<BoundListener>> Server::start() {
  std::vector<BoundListener> bound;
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
  // Replies are appended during a loop iteration and written once, just
  // before the loop sleeps: one write per pipeline instead of one per reply.
  uv_prepare_start(&prepare_, on_prepare);
  // Once a second: the stall and login limits are short, and a pass over
  // every connection costs little next to a second of the loop's time.
  uv_timer_start(&sweep_, on_sweep, kSweepMs, kSweepMs);
  feed_handle_ = store_.changes().subscribe([this](const storage::MailboxChange& change) {
    // Committer thread: hand over to the loop thread.
    {
      std::lock_guard lock(changes_mutex_);
      pending_changes_.push_back(change);
    }
    uv_async_send(&change_async_);
  });
  return bound;
}

Result<std::string> Server::bind(Listener* l) {
  const ListenerConfig& c = *l->config;
  uv_handle_t* handle = &l->h.handle;
  int r;
  std::string where;
  if (c.is_unix) {
    uv_pipe_init(loop_, &l->h.pipe, 0);
    std::error_code ec;
    auto dir = std::filesystem::path(c.unix_path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    ::unlink(c.unix_path.c_str());  // a stale socket from a previous run
    r = uv_pipe_bind(&l->h.pipe, c.unix_path.c_str());
    // The admin socket is as powerful as root on the store: owner only. An
    // LMTP socket sits in the MTA's own private directory, which protects it.
    if (r == 0) ::chmod(c.unix_path.c_str(), c.protocol == ListenerProtocol::admin ? 0600 : 0666);
    where = "unix:" + c.unix_path;
  } else {
    uv_tcp_init(loop_, &l->h.tcp);
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
  if (r == 0) r = uv_listen(&l->h.stream, 511, on_connection);
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
  l->server->accept_one(l);
}

void Server::accept_one(Listener* l) {
  auto* h = new StreamHandle{};
  const ListenerConfig& c = *l->config;
  if (c.is_unix) uv_pipe_init(loop_, &h->pipe, 0);
  else uv_tcp_init(loop_, &h->tcp);
  if (uv_accept(&l->h.stream, &h->stream) != 0) {
    uv_close(&h->handle, [](uv_handle_t* x) { delete reinterpret_cast<StreamHandle*>(x); });
    return;
  }
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
  auto* conn = new Connection(*this, c, h, loopback, std::move(peer));
  link(conn);
  bool over_limit = false;
  if (c.protocol != ListenerProtocol::admin) {
    over_limit = connections_ > config_.limits.max_connections;
    // One address may not take every slot (limits.max_connections_per_address).
    if (!over_limit && !conn->count_address()) {
      over_limit = true;
      log_info(conn->peer(), ": refused: too many connections from this address");
    }
  }
  conn->start(make_session(*conn, over_limit));
  if (over_limit) conn->close_after_flush();
}

void Server::link(Connection* c) {
  c->next_ = head_;
  if (head_) head_->prev_ = c;
  head_ = c;
  ++connections_;
}

void Server::unlink(Connection* c) {
  if (c->prev_) c->prev_->next_ = c->next_;
  else if (head_ == c) head_ = c->next_;
  if (c->next_) c->next_->prev_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
  --connections_;
  if (c->flush_scheduled_) std::erase(dirty_, c);
  if (stopping_ && connections_ == 0) close_loop_handles();
}

void Server::on_prepare(uv_prepare_t* h) {
  auto* self = static_cast<Server*>(h->data);
  std::vector<Connection*> batch;
  batch.swap(self->dirty_);
  for (Connection* c : batch) c->flush();
}

void Server::on_sweep(uv_timer_t* h) {
  auto* self = static_cast<Server*>(h->data);
  uint64_t now = uv_now(self->loop_);
  for (Connection* c = self->head_; c;) {
    Connection* next = c->next_;  // c may unlink itself
    c->check_timers(now);
    c = next;
  }
}

void Server::on_stop_deadline(uv_timer_t* h) {
  auto* self = static_cast<Server*>(h->data);
  log_warn("stopping: ", self->connections_, " connection(s) did not finish in time; closing them");
  for (Connection* c = self->head_; c;) {
    Connection* next = c->next_;
    c->abort();
    c = next;
  }
}

void Server::on_change(uv_async_t* h) {
  auto* self = static_cast<Server*>(h->data);
  std::vector<storage::MailboxChange> changes;
  {
    std::lock_guard lock(self->changes_mutex_);
    changes.swap(self->pending_changes_);
  }
  for (const auto& change : changes) {
    std::vector<ChangeHandler> handlers;  // copied: a handler may unwatch
    auto [lo, hi] = self->watchers_.equal_range(change.mailbox);
    for (auto it = lo; it != hi; ++it) handlers.push_back(it->second.second);
    for (auto& fn : handlers) fn(change);
  }
}

uint64_t Server::watch_mailbox(storage::MailboxId mailbox, ChangeHandler handler) {
  uint64_t id = next_watch_++;
  watchers_.emplace(mailbox, std::make_pair(id, std::move(handler)));
  return id;
}

void Server::unwatch_mailbox(uint64_t handle) {
  for (auto it = watchers_.begin(); it != watchers_.end(); ++it) {
    if (it->second.first == handle) {
      watchers_.erase(it);
      return;
    }
  }
}

void Server::stop() {
  if (stopping_) return;
  stopping_ = true;
  log_info("stopping: no new connections; finishing in-flight work");
  for (auto& l : listeners_) {
    if (!uv_is_closing(&l->h.handle)) {
      uv_close(&l->h.handle, nullptr);
      if (l->config->is_unix) ::unlink(l->config->unix_path.c_str());
    }
  }
  // Sessions get kStopGraceMs to finish in-flight work and flush; then the rest is cut.
  uv_timer_stop(&sweep_);
  uv_timer_start(&sweep_, on_stop_deadline, kStopGraceMs, 0);
  if (feed_handle_) {
    store_.changes().unsubscribe(feed_handle_);
    feed_handle_ = 0;
  }
  for (Connection* c = head_; c;) {
    Connection* next = c->next_;
    c->shutdown();
    c = next;
  }
  if (connections_ == 0) close_loop_handles();
}

void Server::close_loop_handles() {
  // Last connection gone: close the loop's own handles so uv_run returns.
  for (uv_handle_t* h : {reinterpret_cast<uv_handle_t*>(&prepare_), reinterpret_cast<uv_handle_t*>(&change_async_),
                         reinterpret_cast<uv_handle_t*>(&sweep_)})
    if (!uv_is_closing(h)) uv_close(h, nullptr);
}

}  // namespace loft::server

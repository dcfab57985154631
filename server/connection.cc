#include "server/connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <atomic>

#include "base/log.h"
#include "server/loop.h"
#include "server/server.h"
#include "server/transform/tls_transform.h"

namespace loft::server {

namespace {
struct WriteReq {
  uv_write_t req;
  std::string data;
};
struct WorkReq {
  uv_work_t req;
  std::function<void()> work;
  std::function<void()> done;
  std::function<void()> after;
  Connection* conn;
};
struct DelayReq {
  uv_timer_t timer;
  std::function<void()> fn;
  Connection* conn;
};
// Capacity the plaintext output buffer keeps between writes; a buffer grown
// for one large response is released after it.
constexpr size_t kKeepOutCapacity = 64 * 1024;
std::atomic<uint64_t> g_next_id{1};
}  // namespace

Connection::Connection(Server& server, Loop& loop, const ListenerConfig& listener, StreamHandle* stream,
                       bool loopback, std::string peer)
    : server_(server), loop_(loop), id_(g_next_id.fetch_add(1, std::memory_order_relaxed)), listener_(listener),
      handle_(stream), stream_(&stream->stream), peer_(std::move(peer)), loopback_(loopback) {
  stream_->data = this;
  opened_at_ = last_read_ = last_progress_ = uv_now(loop_.uv());
  loop_.object_created();
}

Connection::~Connection() {
  if (address_counted_) server_.address_limits().release(peer_address());
  delete handle_;
  loop_.object_destroyed();
}

bool Connection::count_address() {
  address_counted_ = server_.address_limits().acquire(peer_address());
  return address_counted_;
}

void Connection::start(std::unique_ptr<Session> session) {
  session_ = std::move(session);
  if (listener_.tls == TlsMode::implicit) {
    chain_.push(std::make_unique<TlsTransform>(*server_.tls()));
  } else {
    opened_ = true;
    session_->on_open();
  }
  resume_reading();
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  // One shared buffer for every connection: a read is handled completely
  // before the next one starts, and an idle connection then owns no buffer.
  auto* c = static_cast<Connection*>(h->data);
  *buf = uv_buf_init(c->loop_.read_buffer(), static_cast<unsigned>(Loop::kReadBufferSize));
}

void Connection::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (n == 0) return;
  if (n < 0) {
    if (n != UV_EOF && n != UV_ECONNRESET) log_debug(c->peer_, ": read error: ", uv_strerror(static_cast<int>(n)));
    c->abort();
    return;
  }
  c->last_read_ = uv_now(c->loop_.uv());
  try {
    c->handle_input(std::string_view(buf->base, static_cast<size_t>(n)));
    if (!c->closing() && c->session_ && c->session_->mid_input()) c->ack_now();
  } catch (const std::exception& e) {  // no exception may cross a libuv callback
    log_error(c->peer_, ": internal error: ", e.what());
    c->abort();
  }
}

// A client that writes a literal and then its closing CRLF in two small
// writes (Python's imaplib; an MTA ending DATA with a lone ".") has Nagle's
// algorithm hold the second write until the first is acknowledged, and our
// delayed ACK (up to 40 ms on Linux) would hold that: every such APPEND took
// 45 ms. TCP_QUICKACK sends the pending ACK now (tcp(7)); it is asked only
// while the session waits for the rest of something, never per command.
void Connection::ack_now() {
  if (handle_->handle.type != UV_TCP) return;
  uv_os_fd_t fd;
  if (uv_fileno(&handle_->handle, &fd) != 0) return;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

void Connection::handle_input(std::string_view raw) {
  deliver(raw, 0);
  drain_pending_input();
}

void Connection::write(std::string_view bytes) {
  if (closing_) return;
  // The stall clock starts when output begins to wait; only the client
  // taking it moves the clock on (reads do not: see check_timers).
  if (backlog() == 0) last_progress_ = uv_now(loop_.uv());
  out_.append(bytes);
  schedule_flush();
}

void Connection::write_owned(std::string bytes) {
  if (closing_) return;
  if (backlog() == 0) last_progress_ = uv_now(loop_.uv());
  if (out_.empty()) out_.swap(bytes);
  else out_.append(bytes);
  schedule_flush();
}

void Connection::schedule_flush() {
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    loop_.schedule_flush(this);
  }
}

void Connection::flush() {
  flush_scheduled_ = false;
  if (closing_) return;
  if (!out_.empty()) {
    if (!chain_.empty()) {
      std::string wire;
      auto status = chain_.encode(out_, &wire);
      if (out_.capacity() > kKeepOutCapacity) std::string().swap(out_);
      else out_.clear();
      if (status == Transform::Status::failed) {
        log_debug(peer_, ": ", chain_.error());
        abort();
        return;
      }
      send_raw(std::move(wire));
    } else {
      std::string data;
      data.swap(out_);
      send_raw(std::move(data));
    }
  }
  maybe_finish_close();
}

void Connection::send_raw(std::string bytes) {
  if (bytes.empty() || closing_) return;
  auto* w = new WriteReq;
  w->data = std::move(bytes);
  w->req.data = this;
  uv_buf_t b = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  in_flight_ += w->data.size();
  int r = uv_write(&w->req, stream_, &b, 1, on_write);
  if (r < 0) {
    in_flight_ -= w->data.size();
    delete w;
    abort();
  }
}

void Connection::on_write(uv_write_t* req, int status) {
  auto* w = reinterpret_cast<WriteReq*>(req);
  auto* c = static_cast<Connection*>(req->data);
  c->in_flight_ -= w->data.size();
  delete w;
  c->last_progress_ = uv_now(c->loop_.uv());  // the client is reading: not stalled
  if (status < 0) {
    c->abort();
    return;
  }
  if (c->close_pending_) {
    c->maybe_finish_close();
  } else if (!c->closing_ && c->backlog() < kLowWater) {
    // Below the low-water mark: the session streams on and takes commands again.
    try {
      c->session_->on_drain();
    } catch (const std::exception& e) {
      log_error(c->peer_, ": internal error: ", e.what());
      c->abort();
    }
  }
  // Quiet: everything written, nothing running: frees the idle compressor and
  // the output buffer's capacity (under TLS it is cleared, not handed over, so
  // it would keep its largest reply for as long as the connection idles).
  if (!c->closing_ && c->backlog() == 0 && !c->busy()) {
    c->chain_.release_idle();
    std::string().swap(c->out_);
  }
}

void Connection::start_tls() {
  flush();  // the OK answering STARTTLS goes out in plaintext
  chain_.push(std::make_unique<TlsTransform>(*server_.tls()));
}

void Connection::close_after_flush() {
  if (closing_) return;
  close_pending_ = true;
  pause_reading();
  schedule_flush();
}

void Connection::maybe_finish_close() {
  if (!close_pending_ || closing_ || pending_work_ > 0 || !out_.empty()) return;
  if (!chain_.empty()) {  // a polite close_notify before the socket closes
    std::string wire;
    chain_.close(&wire);
    chain_.clear();
    send_raw(std::move(wire));
  }
  if (in_flight_ == 0) abort();
}

void Connection::abort() {
  if (closing_) return;
  closing_ = true;
  reading_ = false;
  loop_.unlink(this);
  uv_close(reinterpret_cast<uv_handle_t*>(stream_), on_closed);
}

void Connection::on_closed(uv_handle_t* h) {
  auto* c = static_cast<Connection*>(h->data);
  c->closed_ = true;
  c->maybe_destroy();
}

void Connection::maybe_destroy() {
  if (closed_ && pending_work_ == 0) delete this;
}

void Connection::pause_reading() {
  want_reading_ = false;
  stop_socket_reading();
}

void Connection::resume_reading() {
  want_reading_ = true;
  // Input a transform still holds comes before anything new from the socket.
  if (chain_.pending()) drain_pending_input();
  else start_socket_reading();
}

void Connection::offload(std::function<void()> work, std::function<void()> done, std::function<void()> after) {
  auto* job = new WorkReq{{}, std::move(work), std::move(done), std::move(after), this};
  job->req.data = job;
  ++pending_work_;
  int r = uv_queue_work(
      loop_.uv(), &job->req,
      [](uv_work_t* req) {
        auto* j = static_cast<WorkReq*>(req->data);
        try {
          j->work();
        } catch (const std::exception& e) {
          log_error("worker: internal error: ", e.what());
        }
      },
      [](uv_work_t* req, int status) {
        auto* j = static_cast<WorkReq*>(req->data);
        Connection* c = j->conn;
        --c->pending_work_;
        if (status == 0 && !c->closing_) {
          try {
            j->done();
          } catch (const std::exception& e) {
            log_error(c->peer_, ": internal error: ", e.what());
            c->abort();
          }
        }
        if (j->after) j->after();
        delete j;
        if (c->close_pending_) c->maybe_finish_close();
        c->maybe_destroy();
      });
  if (r < 0) {
    --pending_work_;
    if (job->after) job->after();
    delete job;
    log_error("uv_queue_work failed: ", uv_strerror(r));
    abort();
  }
}

void Connection::offload_async(std::function<void(std::function<void()> finished)> start,
                               std::function<void()> done) {
  retain();  // until done has run (or been dropped) on this loop
  Loop* loop = &loop_;
  auto finished = [this, loop, done = std::move(done)]() mutable {
    // Store thread: hand over to the owning loop. A loop that has finished
    // stopping refuses the post; the connection is gone with it then.
    loop->post([this, done = std::move(done)] {
      if (!closing_) {
        try {
          done();
        } catch (const std::exception& e) {
          log_error(peer_, ": internal error: ", e.what());
          abort();
        }
      }
      release();
    });
  };
  offload([start = std::move(start), finished = std::move(finished)]() mutable { start(std::move(finished)); }, [] {});
}

void Connection::after_delay(uint64_t delay_ms, std::function<void()> fn) {
  auto* d = new DelayReq{{}, std::move(fn), this};
  uv_timer_init(loop_.uv(), &d->timer);
  d->timer.data = d;
  retain();
  uv_timer_start(
      &d->timer,
      [](uv_timer_t* t) {
        auto* d = static_cast<DelayReq*>(t->data);
        Connection* c = d->conn;
        if (!c->closing_) {
          try {
            d->fn();
          } catch (const std::exception& e) {
            log_error(c->peer_, ": internal error: ", e.what());
            c->abort();
          }
        }
        uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) {
          auto* d = static_cast<DelayReq*>(h->data);
          Connection* c = d->conn;
          delete d;
          c->release();
        });
      },
      delay_ms, 0);
}

void Connection::release() {
  --pending_work_;
  if (close_pending_) maybe_finish_close();
  maybe_destroy();
}

std::string Connection::peer_address() const {
  if (listener_.is_unix) return "unix";
  if (!peer_.empty() && peer_.front() == '[') return peer_.substr(1, peer_.find(']') - 1);
  return peer_.substr(0, peer_.rfind(':'));
}

void Connection::restart_login_clock() { opened_at_ = uv_now(loop_.uv()); }

void Connection::check_timers(uint64_t now) {
  if (closing()) return;
  const LimitsConfig& L = server_.config().limits;
  // A client that sends but never reads: its output cannot be delivered and
  // would only pile up. Only write progress counts here, never reads.
  if (backlog() > 0 && now - last_progress_ > uint64_t{L.stall_timeout_seconds} * 1000) {
    LogEvent(LogLevel::info, "server", "timeout").session(id_).remote(peer_).field("reason", "stall")
        .field("seconds", L.stall_timeout_seconds);
    abort();
    return;
  }
  if (session_ && !session_->authenticated() && now - opened_at_ > uint64_t{L.login_timeout_seconds} * 1000) {
    LogEvent(LogLevel::info, "server", "timeout").session(id_).remote(peer_).field("reason", "login")
        .field("seconds", L.login_timeout_seconds);
    if (opened_) session_->on_login_timeout();
    close_after_flush();
    return;
  }
  uint64_t last = std::max(last_read_, last_progress_);
  if (now - last > uint64_t{L.idle_timeout_seconds} * 1000) {
    // Busy yet without any progress that long: a command that cannot finish.
    if (busy()) {
      abort();
      return;
    }
    if (session_ && opened_) session_->on_idle_timeout();
    close_after_flush();
  }
}

void Connection::shutdown() {
  if (session_ && opened_ && !closing()) session_->on_shutdown();
  close_after_flush();
}

bool Connection::busy() const { return pending_work_ > 0 || (session_ && session_->busy()); }

}  // namespace loft::server

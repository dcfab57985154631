#include "server/connection.h"

#include "base/log.h"
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
  Connection* conn;
};
}  // namespace

Connection::Connection(Server& server, const ListenerConfig& listener, StreamHandle* stream, bool loopback,
                       std::string peer)
    : server_(server), listener_(listener), handle_(stream), stream_(&stream->stream), peer_(std::move(peer)),
      loopback_(loopback) {
  stream_->data = this;
  last_activity_ = uv_now(server_.loop());
}

Connection::~Connection() { delete handle_; }

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
  *buf = uv_buf_init(c->server_.read_buffer(), static_cast<unsigned>(Server::kReadBufferSize));
}

void Connection::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (n == 0) return;
  if (n < 0) {
    if (n != UV_EOF && n != UV_ECONNRESET) log_debug(c->peer_, ": read error: ", uv_strerror(static_cast<int>(n)));
    c->abort();
    return;
  }
  c->last_activity_ = uv_now(c->server_.loop());
  try {
    c->handle_input(std::string_view(buf->base, static_cast<size_t>(n)));
  } catch (const std::exception& e) {  // no exception may cross a libuv callback
    log_error(c->peer_, ": internal error: ", e.what());
    c->abort();
  }
}

void Connection::handle_input(std::string_view raw) {
  deliver(raw, 0);
  drain_pending_input();
}

void Connection::write(std::string_view bytes) {
  if (closing_) return;
  out_.append(bytes);
  schedule_flush();
}

void Connection::schedule_flush() {
  if (!flush_scheduled_) {
    flush_scheduled_ = true;
    server_.schedule_flush(this);
  }
}

void Connection::flush() {
  flush_scheduled_ = false;
  if (closing_) return;
  if (!out_.empty()) {
    if (!chain_.empty()) {
      std::string wire;
      auto status = chain_.encode(out_, &wire);
      out_.clear();
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
  c->last_activity_ = uv_now(c->server_.loop());  // the client is reading: not stalled
  if (status < 0) {
    c->abort();
    return;
  }
  if (c->close_pending_) {
    c->maybe_finish_close();
  } else if (!c->closing_ && c->backlog() < kLowWater) {
    try {
      c->session_->on_drain();
    } catch (const std::exception& e) {
      log_error(c->peer_, ": internal error: ", e.what());
      c->abort();
    }
  }
  // Quiet: everything written, nothing running (frees the idle compressor).
  if (!c->closing_ && c->backlog() == 0 && !c->busy()) c->chain_.release_idle();
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
  server_.unlink(this);
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

void Connection::offload(std::function<void()> work, std::function<void()> done) {
  auto* job = new WorkReq{{}, std::move(work), std::move(done), this};
  job->req.data = job;
  ++pending_work_;
  int r = uv_queue_work(
      server_.loop(), &job->req,
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
        delete j;
        if (c->close_pending_) c->maybe_finish_close();
        c->maybe_destroy();
      });
  if (r < 0) {
    --pending_work_;
    delete job;
    log_error("uv_queue_work failed: ", uv_strerror(r));
    abort();
  }
}

void Connection::idle_timeout() {
  if (session_ && !closing()) session_->on_idle_timeout();
  close_after_flush();
}

void Connection::shutdown() {
  if (session_ && opened_ && !closing()) session_->on_shutdown();
  close_after_flush();
}

bool Connection::busy() const { return pending_work_ > 0 || (session_ && session_->busy()); }

}  // namespace loft::server

// DELIVER over the admin socket: checks first (answered OK or ERR), then the
// body in CHUNK frames, written through a BodyWriter in 64 KiB steps on
// workers, then one append (durable before the answer).
#include <memory>

#include "base/log.h"
#include "protocol/admin/message.h"
#include "server/admin/admin_service.h"
#include "server/admin/admin_session.h"
#include "server/connection.h"
#include "server/server.h"

namespace loft::server {

namespace pa = proto::admin;

namespace {
constexpr size_t kFlushBytes = 64 * 1024;
}  // namespace

struct AdminSession::Delivery {
  storage::DeliveryTarget target;
  std::unique_ptr<storage::BodyWriter> writer;
  std::string pending;       // frame bytes not yet written
  size_t frame_left = 0;     // bytes of the current frame still to come
  uint64_t size = 0;         // body bytes received
  std::optional<Error> error;  // the body is refused; frames are read and dropped
};

AdminSession::AdminSession(Connection& conn) : conn_(conn) {}
AdminSession::~AdminSession() = default;

void AdminSession::start_delivery(pa::Request request) {
  busy_ = true;
  auto d = std::make_shared<std::unique_ptr<Delivery>>(std::make_unique<Delivery>());
  auto failed = std::make_shared<std::optional<Error>>();
  conn_.offload(
      [this, d, failed, req = std::move(request)] {
        AdminService service(conn_.server().store());
        auto target = service.delivery_target(req);
        if (!target) {
          *failed = target.error();
          return;
        }
        (*d)->target = std::move(*target);
        auto writer = conn_.server().store().begin_body();
        if (!writer) *failed = writer.error();
        else (*d)->writer = std::move(*writer);
      },
      [this, d, failed] {
        if (*failed) {
          conn_.write(pa::encode_response(pa::Response::failure(**failed)));
        } else {
          delivery_ = std::move(*d);
          conn_.write(pa::encode_response(pa::Response::success()));
        }
        busy_ = false;
        process();
      });
}

bool AdminSession::step_delivery(std::string_view* view) {
  Delivery& d = *delivery_;
  if (d.frame_left > 0) {
    size_t take = std::min(d.frame_left, view->size());
    d.frame_left -= take;
    d.size += take;
    if (!d.error && d.size > conn_.server().config().limits.max_message_size)
      d.error = Error{Errc::too_big, "message larger than limits.max_message_size"};
    if (!d.error) d.pending.append(view->substr(0, take));
    view->remove_prefix(take);
    if (d.pending.size() >= kFlushBytes) flush_delivery(false);
    return true;
  }
  auto st = lines_.next(view);
  if (st == pa::LineSplitter::Status::need_more) return false;
  auto size = st == pa::LineSplitter::Status::line ? pa::decode_chunk_header(lines_.line())
                                                   : Result<size_t>(Error{Errc::bad_input, "line too long"});
  if (!size) {  // a broken stream: nothing is stored
    conn_.write(pa::encode_response(pa::Response::failure(size.error())));
    conn_.close_after_flush();
    auto writer = std::shared_ptr<storage::BodyWriter>(std::move(d.writer));
    delivery_.reset();
    conn_.offload([writer]() mutable { writer.reset(); }, [] {});
    return false;
  }
  if (*size > 0) {
    d.frame_left = *size;
    return true;
  }
  flush_delivery(true);
  return true;
}

void AdminSession::flush_delivery(bool last) {
  busy_ = true;
  auto bytes = std::make_shared<std::string>(std::move(delivery_->pending));
  delivery_->pending.clear();
  std::shared_ptr<Delivery> d;
  if (last) d = std::shared_ptr<Delivery>(std::move(delivery_));  // the session is done with it
  Delivery* raw = last ? d.get() : delivery_.get();
  auto response = std::make_shared<pa::Response>();
  conn_.offload(
      [this, bytes, d, raw, last, response] {
        if (!raw->error)
          if (auto w = raw->writer->write(*bytes); !w) raw->error = w.error();
        if (!last) return;
        if (raw->error) {
          *response = pa::Response::failure(*raw->error);
          raw->writer.reset();  // removes what was written
          return;
        }
        AdminService service(conn_.server().store());
        *response = service.deliver(*raw->writer, raw->target);
        raw->writer.reset();
      },
      [this, last, response] {
        if (last) conn_.write(pa::encode_response(*response));
        busy_ = false;
        process();
      });
}

}  // namespace loft::server

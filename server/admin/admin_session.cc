#include "server/admin/admin_session.h"

#include <memory>

#include "base/log.h"
#include "protocol/admin/message.h"
#include "server/admin/admin_service.h"
#include "server/connection.h"
#include "server/server.h"

namespace loft::server {

namespace pa = proto::admin;

void AdminSession::on_data(std::string_view bytes) {
  input_.append(bytes);
  process();
}

void AdminSession::process() {
  input_.run(conn_, [this](std::string_view* view) { return step(view); });
}

bool AdminSession::step(std::string_view* view) {
  if (busy_) return false;
  if (delivery_) return step_delivery(view);
  auto st = lines_.next(view);
  if (st == pa::LineSplitter::Status::need_more) return false;
  if (st == pa::LineSplitter::Status::too_long) {
    conn_.write(pa::encode_response(pa::Response::failure({Errc::limit, "request line too long"})));
    conn_.close_after_flush();
    return false;
  }
  auto request = pa::decode_request(lines_.line());
  if (!request) {
    conn_.write(pa::encode_response(pa::Response::failure(request.error())));
    return true;
  }
  if (request->kind == pa::RequestKind::deliver) {
    start_delivery(std::move(*request));
    return true;
  }
  if (request->kind == pa::RequestKind::index_status || request->kind == pa::RequestKind::index_rebuild ||
      request->kind == pa::RequestKind::index_optimize) {
    start_index(std::move(*request));
    return true;
  }
  busy_ = true;
  auto response = std::make_shared<pa::Response>();
  conn_.offload(
      [this, response, req = std::move(*request)] {
        AdminService service(conn_.server().store());
        *response = service.execute(req);
      },
      [this, response] {
        conn_.write(pa::encode_response(*response));
        busy_ = false;
        process();
      });
  return true;
}

}  // namespace loft::server

// INDEX-STATUS, INDEX-REBUILD, INDEX-OPTIMIZE on the admin socket
// (`loftctl index ...` against a running loftd, docs/search.md). Status only
// reads, so it runs on a worker; rebuild and optimize write the index, so
// they run on the background indexer's thread between its batches (never
// beside one, never on an event loop). Their rows come back to this
// connection's loop by Loop::post while the connection is retained.
#include <memory>
#include <utility>

#include "protocol/admin/message.h"
#include "server/admin/admin_session.h"
#include "server/connection.h"
#include "server/search/background.h"
#include "server/search/index_admin.h"
#include "server/server.h"

namespace loft::server {

namespace pa = proto::admin;

void AdminSession::start_index(pa::Request request) {
  busy_ = true;
  Server& srv = conn_.server();
  if (request.kind == pa::RequestKind::index_status) {
    auto response = std::make_shared<pa::Response>();
    conn_.offload(
        [&srv, response, name = std::move(request.name)] {
          *response = search::index_status(srv.store(), srv.config().data_dir, name);
        },
        [this, response] {
          conn_.write(pa::encode_response(*response));
          busy_ = false;
          process();
        });
    return;
  }
  auto finish_now = [this](Error e) {
    conn_.write(pa::encode_response(pa::Response::failure(std::move(e))));
    busy_ = false;
  };
  search::BackgroundIndexer* indexer = srv.indexer();
  if (!indexer) return finish_now({Errc::bad_input, "the full-text index is off ([search] index = false)"});
  Loop* loop = &conn_.loop();
  conn_.retain();  // released by the last post below; the loop waits for it
  auto task = [this, loop, &srv, request = std::move(request)](search::Indexer* ix, const std::atomic<bool>* cancel) {
    auto send_row = [this, loop](std::vector<std::string> row) {
      auto line = pa::encode_data_line(row);
      if (!line) return;
      loop->post([this, line = std::move(*line)] {
        if (!conn_.closing()) conn_.write(line);
      });
    };
    pa::Response response;
    if (!ix) response = pa::Response::failure({Errc::temp, "loftd is stopping"});
    else if (request.kind == pa::RequestKind::index_rebuild)
      response = search::index_rebuild(*ix, srv.store(), request.name, send_row, cancel);
    else
      response = search::index_optimize(*ix, srv.store(), request.name);
    loop->post([this, text = pa::encode_response(response)] {
      busy_ = false;
      if (!conn_.closing()) {
        conn_.write(text);
        process();
      }
      conn_.release();  // may free the connection: nothing after this
    });
  };
  if (auto queued = indexer->submit(std::move(task)); !queued) {
    conn_.release();
    finish_now(queued.error());
  }
}

}  // namespace loft::server

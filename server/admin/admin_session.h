// The server side of the admin socket (mode 0600, UNIX only): one request
// per line, each run by AdminService on a worker, answered in order. DELIVER
// then streams a body in CHUNK frames (admin_stream.cc), written to the store
// as it comes, never held whole.
#pragma once

#include <memory>
#include <string>

#include "protocol/admin/line_splitter.h"
#include "server/input_queue.h"
#include "server/session.h"

namespace loft::server {

class Connection;

class AdminSession final : public Session {
 public:
  explicit AdminSession(Connection& conn);
  ~AdminSession() override;
  void on_open() override {}
  void on_data(std::string_view bytes) override;
  void on_drain() override { process(); }  // replies held back by backpressure went out
  bool busy() const override { return busy_; }

 private:
  void process();
  // Reads at most one request and starts it; false to stop for now.
  bool step(std::string_view* view);
  // admin_stream.cc: DELIVER's checks and body frames.
  struct Delivery;
  void start_delivery(proto::admin::Request request);
  bool step_delivery(std::string_view* view);
  // Writes the frames' bytes waiting in the delivery (a worker's job).
  void flush_delivery(bool last);
  // admin_index.cc: INDEX-STATUS on a worker; INDEX-REBUILD/OPTIMIZE on the
  // indexer's thread, progress lines written as they come.
  void start_index(proto::admin::Request request);

  Connection& conn_;
  proto::admin::LineSplitter lines_;
  InputQueue input_;
  bool busy_ = false;
  std::unique_ptr<Delivery> delivery_;  // DELIVER accepted, body frames coming
};

}  // namespace loft::server

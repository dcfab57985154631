// The server side of the admin socket (mode 0600, UNIX only): one request
// per line, each run by AdminService on a worker, answered in order.
#pragma once

#include <string>

#include "protocol/admin/line_splitter.h"
#include "server/input_queue.h"
#include "server/session.h"

namespace loft::server {

class Connection;

class AdminSession final : public Session {
 public:
  explicit AdminSession(Connection& conn) : conn_(conn) {}
  void on_open() override {}
  void on_data(std::string_view bytes) override;
  void on_drain() override { process(); }  // replies held back by backpressure went out
  bool busy() const override { return busy_; }

 private:
  void process();
  // Reads at most one request and starts it; false to stop for now.
  bool step(std::string_view* view);

  Connection& conn_;
  proto::admin::LineSplitter lines_;
  InputQueue input_;
  bool busy_ = false;
};

}  // namespace loft::server

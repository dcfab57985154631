// One LMTP session (RFC 2033): LHLO, MAIL, RCPT (a store lookup per
// recipient), DATA (dot-unstuffed, size-bounded), then one reply per accepted
// recipient once the delivery is durable. Commands run in order; pipelined
// input (RFC 2920) waits in a buffer while a command waits for a worker.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/lmtp/command.h"
#include "protocol/lmtp/data_reader.h"
#include "protocol/lmtp/line_reader.h"
#include "server/ingest.h"
#include "server/input_queue.h"
#include "server/session.h"
#include "storage/store.h"

namespace loft::server {

class Connection;

namespace lmtp {

class LmtpSession final : public Session {
 public:
  explicit LmtpSession(Connection& conn);

  void on_open() override;
  void on_data(std::string_view bytes) override;
  void on_idle_timeout() override;
  void on_shutdown() override;
  void on_drain() override { process(); }  // replies held back by backpressure went out
  bool busy() const override { return busy_; }

 private:
  struct Recipient {
    storage::AccountId account;
    std::string name;  // for the reply text and the log
  };
  void process();
  // Consumes at most one command line or the rest of DATA; false to stop for now.
  bool step(std::string_view* view);
  void handle_line(const std::string& line);
  void on_mail(const proto::lmtp::Command& cmd);
  void on_rcpt(const proto::lmtp::Command& cmd);
  void on_data_command();
  void on_message_end(bool too_big);
  // Hands the unstuffed bytes waiting in body_ to the body writer (a worker's job).
  void flush_body();
  void reset_transaction();
  void reply(std::string line);
  void finish();

  Connection& conn_;
  proto::lmtp::LineReader lines_;
  proto::lmtp::DataReader data_;
  InputQueue input_;                  // received, not yet consumed
  bool busy_ = false;
  bool greeted_ = false;              // LHLO seen
  bool in_transaction_ = false;       // MAIL seen
  bool in_data_ = false;              // between 354 and the final dot
  bool quit_ = false;
  std::vector<Recipient> recipients_;  // accepted RCPTs, in order
  std::string body_;                  // unstuffed bytes not yet given to writer_
  std::unique_ptr<IngestBody> writer_;  // the body being stored and parsed (DATA)
  std::optional<Error> write_error_;  // a chunk write failed: the message is refused
};

}  // namespace lmtp
}  // namespace loft::server

// One LMTP session (RFC 2033): LHLO, MAIL, RCPT (a store lookup per
// recipient, recipient.h), DATA (dot-unstuffed, size-bounded) or BDAT chunks
// (RFC 3030, bdat.cc), then one reply per accepted recipient once the
// delivery is durable. Trace headers (trace.h) open the stored body.
// Commands run in order; pipelined input (RFC 2920) waits in a buffer while
// a command waits for a worker.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/lmtp/command.h"
#include "protocol/lmtp/data_reader.h"
#include "protocol/lmtp/line_reader.h"
#include "server/ingest.h"
#include "server/input_queue.h"
#include "server/lmtp/recipient.h"
#include "server/session.h"
#include "storage/store.h"

namespace loft::server {

class Connection;

namespace lmtp {

// The unstuffed body goes to the store's body writer whenever this many bytes
// are waiting (DATA and BDAT alike): a delivery in flight holds about two chunks.
inline constexpr size_t kBodyFlushBytes = 64 * 1024;

class LmtpSession final : public Session {
 public:
  explicit LmtpSession(Connection& conn);

  void on_open() override;
  void on_data(std::string_view bytes) override;
  void on_idle_timeout() override;
  void on_shutdown() override;
  void on_drain() override { process(); }  // replies held back by backpressure went out
  bool busy() const override { return busy_; }
  bool mid_input() const override { return in_data_ || in_bdat_ || lines_.buffered() != 0; }

 private:
  void process();
  // Consumes at most one command line or the rest of DATA; false to stop for now.
  bool step(std::string_view* view);
  void handle_line(const std::string& line);
  void on_mail(const proto::lmtp::Command& cmd);
  void on_rcpt(const proto::lmtp::Command& cmd);
  void on_data_command();
  // Starts the body writer on a worker and puts the trace headers first;
  // then runs ready (on the loop) unless starting failed (replied then).
  void begin_message(std::function<void()> ready);
  // The trace header fields for this transaction ("" when turned off).
  std::string trace_prefix() const;
  void on_message_end(bool too_big);
  // bdat.cc: RFC 3030 chunks.
  void on_bdat(const proto::lmtp::Command& cmd);
  // Consumes chunk bytes; false to stop for now.
  bool step_bdat(std::string_view* view);
  // The chunk's last byte arrived: its reply, or the delivery after LAST.
  void end_chunk();
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
  std::string lhlo_;                  // the client's LHLO domain (Received: from)
  std::string reverse_path_;          // MAIL FROM (Return-Path)
  std::optional<uint64_t> declared_size_;  // MAIL SIZE= (RFC 1870)
  proto::lmtp::Body body_type_ = proto::lmtp::Body::unspecified;
  bool smtputf8_ = false;             // MAIL SMTPUTF8 (RFC 6531)
  // BDAT (RFC 3030): a chunk being read, and the transaction's state.
  bool in_bdat_ = false;              // reading chunk bytes
  bool chunking_ = false;             // a BDAT was accepted in this transaction
  bool bdat_last_ = false;            // the chunk being read is LAST
  bool bdat_too_big_ = false;         // the message passed max_message_size
  uint64_t bdat_left_ = 0;            // chunk bytes still to read
  uint64_t bdat_size_ = 0;            // message bytes received so far
  std::string bdat_error_;            // a refused chunk's reply, sent once it is read
  std::vector<Recipient> recipients_;  // accepted RCPTs, in order
  std::string body_;                  // unstuffed bytes not yet given to writer_
  std::unique_ptr<IngestBody> writer_;  // the body being stored and parsed (DATA)
  std::optional<Error> write_error_;  // a chunk write failed: the message is refused
};

}  // namespace lmtp
}  // namespace loft::server

// Streams one RETR or TOP response (RFC 1939 §7). Work runs in steps on a
// worker: the first loads the message's metadata (it may have been expunged
// by another session since login); for RETR of a message without \Seen it
// ends there and the loop thread commits \Seen (as Dovecot sets it) without
// parking a worker, then the first step runs again; every step then produces up to kStepBytes of byte-stuffed output, reading
// the body in 64 KiB pieces. The next step starts only when the connection's
// backlog is below its high-water mark, so memory stays bounded whatever the
// message size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/result.h"
#include "protocol/pop3/multiline.h"
#include "server/stream_pump.h"
#include "storage/store.h"

namespace loft::server::pop3 {

class Pop3Session;

class RetrJob {
 public:
  // top: TOP with `lines` body lines; otherwise RETR of the whole message.
  RetrJob(Pop3Session& session, storage::MailboxId mailbox, uint32_t uid, bool top, uint32_t lines);
  // Begins streaming; the session is busy until the response has been queued.
  void start();
  // The connection's backlog fell: run the next step if one is waiting.
  void on_drain();

  static constexpr size_t kStepBytes = 256 * 1024;
  static constexpr uint64_t kReadPiece = 64 * 1024;

 private:
  // Runs on a worker: fills out_ from where the last step stopped.
  void run_step();
  // The first step's part: metadata, \Seen, the status line.
  Result<void> begin();
  // Runs on the loop thread after run_step.
  void after_step();
  // Loop thread: commits \Seen, then schedules the first step again.
  void commit_seen();

  Pop3Session& session_;
  const storage::MailboxId mailbox_;
  const uint32_t uid_;
  const bool top_;
  const uint32_t lines_;
  storage::BlobId blob_ = 0;
  uint64_t header_size_ = 0;
  uint64_t offset_ = 0;   // next body byte to read
  uint64_t end_ = 0;      // where the response stops (TOP may lower it)
  proto::pop3::DotStuffer stuffer_;
  proto::pop3::LineLimiter limiter_;
  // Results of one step, handed from the worker to the loop thread.
  std::string out_;
  std::optional<Error> error_;
  bool begun_ = false;    // the "+OK" line is in out_ or sent
  bool seen_wanted_ = false;     // begin() found RETR of an unseen message
  bool seen_committed_ = false;  // commit_seen() ran: begin() sets it no more
  bool done_ = false;
  StreamPump pump_;                    // runs run_step/after_step with backpressure
};

}  // namespace loft::server::pop3

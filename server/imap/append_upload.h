// The state of one APPEND (RFC 3501 §6.3.11) while its message literals
// stream in: the target mailbox, the store's BodyWriter of the message
// arriving and the bytes not yet written (under one chunk), and, for RFC 3502
// MULTIAPPEND, the messages already received (their writers and targets,
// linked all at once by Store::append_many). A refused APPEND whose literals
// still arrive (LITERAL+) keeps its reply here and drops the bytes. RFC 4469
// CATENATE: a message's TEXT parts arrive as literal bytes, its URL parts are
// copied from stored bodies into the same writer, in order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/imap/command.h"
#include "server/imap/catenate_url.h"
#include "server/ingest.h"
#include "storage/store.h"

namespace loft::server::imap {

class AppendUpload {
 public:
  // Bytes gathered before a worker writes them: the store's chunk size, so a
  // connection holds at most about one chunk of the message at a time.
  static constexpr size_t kChunk = 64 * 1024;

  AppendUpload(std::string tag, proto::imap::CmdAppend cmd) : tag_(std::move(tag)), cmd_(std::move(cmd)) {}

  const std::string& tag() const { return tag_; }
  // The message arriving now (its flags, date and size).
  const proto::imap::CmdAppend& cmd() const { return cmd_; }

  // The reply already decided (refused: the rest of the literals is dropped).
  std::optional<std::string>& refusal() { return refusal_; }
  // Ready to receive the first message: the target mailbox exists and a body was begun.
  void begin(storage::MailboxInfo mailbox, std::unique_ptr<storage::BodyWriter> writer) {
    mailbox_ = std::move(mailbox);
    body_ = std::make_unique<IngestBody>(std::move(writer));
  }
  // Ready to receive a further message (after end_message on a worker).
  void begin_next(proto::imap::CmdAppend cmd, std::unique_ptr<storage::BodyWriter> writer) {
    cmd_ = std::move(cmd);
    body_ = std::make_unique<IngestBody>(std::move(writer));
  }
  const storage::MailboxInfo& mailbox() const { return mailbox_; }
  // RFC 8508 REPLACE: the message (of the selected mailbox) the new one replaces.
  struct Replacing {
    storage::MailboxId mailbox = 0;
    uint32_t uid = 0;
  };
  std::optional<Replacing>& replacing() { return replacing_; }

  // Keeps bytes of the message (dropped when refused or after a write error);
  // true when a chunk is ready for write_pending.
  bool take(std::string_view bytes);
  // Worker side: writes the pending bytes to the body (and the MIME parser). A failure sticks and
  // is returned by end_message.
  void write_pending();
  // Worker side, at the end of a literal: writes what is pending, ends the
  // MIME parse and keeps the writer with its target (account, flags, date;
  // now_seconds when no date-time was given). An error removes what was written.
  Result<void> end_message(storage::AccountId account, int64_t now_seconds);
  // Worker side (RFC 4469 CATENATE): writes the pending bytes, then copies up
  // to budget bytes of part (advancing it) into the body; true once all of it
  // is copied. A failure sticks, as for write_pending.
  bool copy_url_bytes(storage::Store& store, UrlBytes& part, uint64_t budget);
  // Bytes of the message arriving, written and pending; of the messages ended
  // before it. Read them only while no worker step runs.
  uint64_t message_bytes() const { return (body_ ? body_->size() : 0) + pending_.size(); }
  uint64_t ended_bytes() const { return ended_bytes_; }
  // Messages ended so far, and their announced sizes added up (with the one arriving).
  size_t messages() const { return targets_.size(); }
  uint64_t announced_bytes() const { return announced_; }
  void add_announced(uint64_t size) { announced_ += size; }
  // The ended messages, for Store::deliver_async (one) or append_many.
  std::vector<std::unique_ptr<storage::BodyWriter>>& writers() { return writers_; }
  const std::vector<storage::DeliveryTarget>& targets() const { return targets_; }

 private:
  std::string tag_;
  proto::imap::CmdAppend cmd_;
  std::optional<std::string> refusal_;
  storage::MailboxInfo mailbox_;
  std::unique_ptr<IngestBody> body_;  // the store's writer and the MIME parse
  std::string pending_;
  std::optional<Error> error_;
  std::optional<Replacing> replacing_;
  uint64_t announced_ = 0;
  uint64_t ended_bytes_ = 0;
  std::vector<std::unique_ptr<storage::BodyWriter>> writers_;
  std::vector<storage::DeliveryTarget> targets_;
};

}  // namespace loft::server::imap

// The state of one APPEND (RFC 3501 §6.3.11) while its message literal
// streams in: the target mailbox, the store's BodyWriter and the bytes not yet
// written (under one chunk). A refused APPEND whose literal still arrives
// (LITERAL+) keeps its reply here and drops the bytes.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "protocol/imap/command.h"
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
  const proto::imap::CmdAppend& cmd() const { return cmd_; }

  // The reply already decided (refused: the rest of the literal is dropped).
  std::optional<std::string>& refusal() { return refusal_; }
  // Ready to receive: the target mailbox exists and a body was begun.
  void begin(storage::MailboxInfo mailbox, std::unique_ptr<storage::BodyWriter> writer) {
    mailbox_ = std::move(mailbox);
    body_ = std::make_unique<IngestBody>(std::move(writer));
  }
  const storage::MailboxInfo& mailbox() const { return mailbox_; }

  // Keeps bytes of the message (dropped when refused or after a write error);
  // true when a chunk is ready for write_pending.
  bool take(std::string_view bytes);
  // Worker side: writes the pending bytes to the body (and the MIME parser). A failure sticks and
  // is returned by release_for_commit.
  void write_pending();
  // Worker side, at the end of the literal: writes what is pending and hands
  // the body over for Store::deliver_async (an error removes what was written).
  Result<std::unique_ptr<storage::BodyWriter>> release_for_commit();

 private:
  std::string tag_;
  proto::imap::CmdAppend cmd_;
  std::optional<std::string> refusal_;
  storage::MailboxInfo mailbox_;
  std::unique_ptr<IngestBody> body_;  // the store's writer and the MIME parse
  std::string pending_;
  std::optional<Error> error_;
};

}  // namespace loft::server::imap

// APPEND upload state (append_upload.h).
#include "server/imap/append_upload.h"

namespace loft::server::imap {

bool AppendUpload::take(std::string_view bytes) {
  if (refusal_ || error_ || !body_) return false;
  pending_.append(bytes);
  return pending_.size() >= kChunk;
}

// These two functions are the only place APPEND's bytes meet the store: the
// MIME structure is computed while the message streams in, as for LMTP
// (server/ingest.h), and stored with the body.
void AppendUpload::write_pending() {
  if (error_ || !body_ || pending_.empty()) return;
  if (auto w = body_->write(pending_); !w) error_ = w.error();
  pending_.clear();
}

Result<void> AppendUpload::end_message(storage::AccountId account, int64_t now_seconds) {
  write_pending();
  if (error_) {
    body_.reset();  // removes the chunks written so far
    return *error_;
  }
  if (!body_) return Error{Errc::internal, "APPEND has no body"};
  body_->finish();
  writers_.push_back(body_->release());
  body_.reset();
  storage::DeliveryTarget t;
  t.account = account;
  t.mailbox = mailbox_.name;
  t.flags = cmd_.flags.system;
  t.keywords = cmd_.flags.keywords;
  t.internal_date = cmd_.internal_date ? *cmd_.internal_date : now_seconds;
  t.tz_offset_minutes = cmd_.internal_date ? cmd_.tz_offset_minutes : 0;
  targets_.push_back(std::move(t));
  return {};
}

}  // namespace loft::server::imap

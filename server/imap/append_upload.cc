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

Result<std::unique_ptr<storage::BodyWriter>> AppendUpload::release_for_commit() {
  write_pending();
  if (error_) {
    body_.reset();  // removes the chunks written so far
    return *error_;
  }
  if (!body_) return Error{Errc::internal, "APPEND has no body"};
  body_->finish();
  auto writer = body_->release();
  body_.reset();
  return writer;
}

}  // namespace loft::server::imap

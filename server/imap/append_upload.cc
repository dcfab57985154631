// APPEND upload state (append_upload.h).
#include "server/imap/append_upload.h"

namespace loft::server::imap {

bool AppendUpload::take(std::string_view bytes) {
  if (refusal_ || error_ || !writer_) return false;
  pending_.append(bytes);
  return pending_.size() >= kChunk;
}

// NOTE(mime): these two functions are the only place APPEND's bytes meet
// the store. With server/ingest.h (IngestBody: BodyWriter + MIME parser)
// merged, writer_ becomes an IngestBody: write_pending calls
// ingest_->write(pending_), and release_for_commit calls ingest_->finish()
// then returns ingest_->release(), so the structure is computed while the
// message streams in, as for LMTP. Until then no structure is stored.
void AppendUpload::write_pending() {
  if (error_ || !writer_ || pending_.empty()) return;
  if (auto w = writer_->write(pending_); !w) error_ = w.error();
  pending_.clear();
}

Result<std::unique_ptr<storage::BodyWriter>> AppendUpload::release_for_commit() {
  write_pending();
  if (error_) {
    writer_.reset();  // removes the chunks written so far
    return *error_;
  }
  if (!writer_) return Error{Errc::internal, "APPEND has no body"};
  return std::move(writer_);
}

}  // namespace loft::server::imap

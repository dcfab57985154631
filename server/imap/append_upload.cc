// APPEND upload state (append_upload.h).
#include "server/imap/append_upload.h"

namespace loft::server::imap {

bool AppendUpload::take(std::string_view bytes) {
  if (refusal_ || error_ || !writer_) return false;
  pending_.append(bytes);
  return pending_.size() >= kChunk;
}

void AppendUpload::write_pending() {
  if (error_ || !writer_ || pending_.empty()) return;
  // NOTE(mime): the MIME structure is to be computed here while streaming,
  // by the ingest helper that wraps BodyWriter and the MIME parser; until
  // it is merged the body goes to the writer directly and no structure is
  // stored (FETCH then derives it from the body).
  if (auto w = writer_->write(pending_); !w) error_ = w.error();
  pending_.clear();
}

}  // namespace loft::server::imap

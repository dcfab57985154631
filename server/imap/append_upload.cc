// APPEND upload state (append_upload.h).
#include "server/imap/append_upload.h"

#include <algorithm>

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

bool AppendUpload::copy_url_bytes(storage::Store& store, UrlBytes& part, uint64_t budget) {
  write_pending();  // the TEXT bytes before the URL come first
  if (error_ || !body_) return true;
  while (part.begin < part.end && budget > 0) {
    // One chunk at a time: the connection holds at most one piece of it.
    uint64_t n = std::min<uint64_t>({kChunk, part.size(), budget});
    Result<void> w;
    if (part.made) {
      w = body_->write(std::string_view(part.bytes).substr(part.begin, n));
    } else {
      auto bytes = storage::read_body_exact(store, part.blob, part.begin, n);
      if (!bytes) {
        error_ = bytes.error();
        return true;
      }
      w = body_->write(*bytes);
    }
    if (!w) {
      error_ = w.error();
      return true;
    }
    part.begin += n;
    budget -= n;
  }
  return part.begin >= part.end;
}

Result<void> AppendUpload::end_message(storage::AccountId account, int64_t now_seconds) {
  write_pending();
  if (error_) {
    body_.reset();  // removes the chunks written so far
    return *error_;
  }
  if (!body_) return Error{Errc::internal, "APPEND has no body"};
  body_->finish();
  ended_bytes_ += body_->size();
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

// BDAT (RFC 3030 §2, §4.2 for LMTP): chunks of exact size, no dot-stuffing,
// so binary (BINARYMIME) content passes untouched. Every chunk is read whole
// even when refused; each chunk but the LAST gets one reply, the LAST gets
// one reply per recipient (RFC 2033 §4.2) once the delivery is durable.
#include <algorithm>

#include "protocol/lmtp/reply.h"
#include "server/connection.h"
#include "server/lmtp/session.h"
#include "server/server.h"

namespace loft::server::lmtp {

namespace pl = proto::lmtp;

void LmtpSession::on_bdat(const pl::Command& cmd) {
  bdat_left_ = cmd.chunk_size;
  bdat_last_ = cmd.last;
  bdat_error_.clear();
  // RFC 3030 §2: a refused BDAT's octets are still read, then the error sent.
  if (!in_transaction_) bdat_error_ = pl::reply(503, "5.5.1", "MAIL needed first");
  else if (recipients_.empty()) bdat_error_ = pl::reply(503, "5.5.1", "No valid recipients");
  if (!bdat_error_.empty() || chunking_) {
    in_bdat_ = true;
    if (bdat_left_ == 0) end_chunk();
    return;
  }
  chunking_ = true;  // the first chunk: start the body
  begin_message([this] {
    in_bdat_ = true;
    if (bdat_left_ == 0) end_chunk();
  });
}

bool LmtpSession::step_bdat(std::string_view* view) {
  const uint64_t max = conn_.server().config().limits.max_message_size;
  size_t take = static_cast<size_t>(std::min<uint64_t>(bdat_left_, view->size()));
  std::string_view part = view->substr(0, take);
  view->remove_prefix(take);
  bdat_left_ -= take;
  if (bdat_error_.empty() && !bdat_too_big_) {
    bdat_size_ += take;
    if (bdat_size_ > max) {  // RFC 1870 §6.3: read on, refuse at the end
      bdat_too_big_ = true;
      body_.clear();
    } else {
      body_.append(part);
    }
  }
  if (bdat_left_ == 0) {
    end_chunk();
    return true;
  }
  if (body_.size() >= kBodyFlushBytes) flush_body();
  return true;
}

void LmtpSession::end_chunk() {
  in_bdat_ = false;
  if (!bdat_error_.empty()) {
    reply(std::move(bdat_error_));
    bdat_error_.clear();
    if (bdat_last_ && !chunking_) reset_transaction();
    return;
  }
  if (!bdat_last_) {
    if (body_.size() >= kBodyFlushBytes) flush_body();
    reply(pl::reply(250, "2.0.0", std::to_string(bdat_size_) + " octets received"));
    return;
  }
  on_message_end(bdat_too_big_);
}

}  // namespace loft::server::lmtp

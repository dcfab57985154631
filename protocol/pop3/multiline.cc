#include "protocol/pop3/multiline.h"

#include <cstring>

#include "protocol/pop3/response.h"

namespace loft::proto::pop3 {

void DotStuffer::feed(std::string_view bytes, std::string* out) {
  if (bytes.empty()) return;
  out->reserve(out->size() + bytes.size() + bytes.size() / 64 + 8);
  for (char c : bytes) {
    if (pending_cr_) {  // a CR: CRLF whether or not an LF follows
      pending_cr_ = false;
      out->append("\r\n");
      at_line_start_ = true;
      if (c == '\n') continue;
    }
    if (c == '\r') {
      pending_cr_ = true;
      continue;
    }
    if (c == '\n') {  // a bare LF ends a line too: CRLF on the wire
      out->append("\r\n");
      at_line_start_ = true;
      continue;
    }
    if (at_line_start_ && c == '.') out->push_back('.');
    at_line_start_ = false;
    // NUL ends a string in many clients; sent as 0x80, as Dovecot does.
    out->push_back(c == '\0' ? '\x80' : c);
  }
  empty_ = false;
}

void DotStuffer::finish(std::string* out) {
  // RFC 1939 §3: the terminator is CRLF "." CRLF, so the last line of the
  // message must itself end in CRLF.
  if (pending_cr_ || (!empty_ && !at_line_start_)) out->append("\r\n");
  out->append(kEndOfMultiline);
  reset();
}

void DotStuffer::reset() {
  at_line_start_ = true;
  pending_cr_ = false;
  empty_ = true;
}

size_t LineLimiter::take(std::string_view piece) {
  size_t pos = 0;
  while (remaining_ > 0 && pos < piece.size()) {
    const void* lf = std::memchr(piece.data() + pos, '\n', piece.size() - pos);
    if (!lf) return piece.size();
    pos = static_cast<size_t>(static_cast<const char*>(lf) - piece.data()) + 1;
    --remaining_;
  }
  return remaining_ == 0 ? pos : piece.size();
}

}  // namespace loft::proto::pop3

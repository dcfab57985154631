#include "protocol/pop3/multiline.h"

#include <cstring>

#include "protocol/pop3/response.h"

namespace loft::proto::pop3 {

void DotStuffer::feed(std::string_view bytes, std::string* out) {
  if (bytes.empty()) return;
  out->reserve(out->size() + bytes.size() + 8);
  while (!bytes.empty()) {
    if (at_line_start_ && bytes.front() == '.') out->push_back('.');
    const void* lf = std::memchr(bytes.data(), '\n', bytes.size());
    size_t n = lf ? static_cast<size_t>(static_cast<const char*>(lf) - bytes.data()) + 1 : bytes.size();
    out->append(bytes.data(), n);
    at_line_start_ = lf != nullptr;
    bytes.remove_prefix(n);
    before_ = n >= 2 ? out->data()[out->size() - 2] : last_;
    last_ = out->back();
  }
  empty_ = false;
}

void DotStuffer::finish(std::string* out) {
  // RFC 1939 §3: the terminator is CRLF "." CRLF, so the last line of the
  // message must itself end in CRLF.
  if (!empty_ && !(before_ == '\r' && last_ == '\n')) out->append("\r\n");
  out->append(kEndOfMultiline);
  reset();
}

void DotStuffer::reset() {
  at_line_start_ = true;
  last_ = before_ = 0;
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

#include "protocol/lmtp/line_reader.h"

#include <cstring>

namespace loft::proto::lmtp {

LineReader::LineReader(size_t max_line) : max_line_(max_line) {}

void LineReader::reset() {
  buf_.clear();
  line_.clear();
  discarding_ = false;
}

LineReader::Status LineReader::read(std::string_view* input) {
  while (!input->empty()) {
    const char* start = input->data();
    const void* found = std::memchr(start, '\n', input->size());
    size_t take = found ? static_cast<size_t>(static_cast<const char*>(found) - start) : input->size();
    std::string_view piece = input->substr(0, take);
    input->remove_prefix(found ? take + 1 : take);

    if (!discarding_) {
      // Keep at most max_line + 1 bytes: the extra one may be the CR of CRLF.
      size_t room = max_line_ + 1 - buf_.size();
      if (piece.size() > room) {
        discarding_ = true;
        buf_.clear();
      } else {
        buf_.append(piece);
      }
    }
    if (!found) {
      // A full buffer whose last byte is not CR can only grow into a too-long line.
      if (!discarding_ && buf_.size() == max_line_ + 1 && buf_.back() != '\r') {
        discarding_ = true;
        buf_.clear();
      }
      return Status::need_more;
    }
    if (discarding_) {
      discarding_ = false;
      return Status::too_long;
    }
    if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
    if (buf_.size() > max_line_) {
      buf_.clear();
      return Status::too_long;
    }
    line_.swap(buf_);
    // A long line's capacity is not kept for the connection's life.
    if (buf_.capacity() > kKeepCapacity) std::string().swap(buf_);
    else buf_.clear();
    return Status::line;
  }
  return Status::need_more;
}

}  // namespace loft::proto::lmtp

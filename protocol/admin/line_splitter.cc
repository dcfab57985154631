#include "protocol/admin/line_splitter.h"

namespace loft::proto::admin {

LineSplitter::LineSplitter(size_t max_line) : max_line_(max_line) {}

LineSplitter::Status LineSplitter::next(std::string_view* input) {
  if (failed_) return Status::too_long;
  size_t lf = input->find('\n');
  std::string_view piece = input->substr(0, lf);
  input->remove_prefix(lf == std::string_view::npos ? input->size() : lf + 1);
  // One byte more than the limit may be held: it can be the CR of a CRLF.
  if (buf_.size() + piece.size() > max_line_ + 1) {
    failed_ = true;
    buf_.clear();
    return Status::too_long;
  }
  buf_.append(piece);
  if (lf == std::string_view::npos) {
    if (buf_.size() == max_line_ + 1 && buf_.back() != '\r') {
      failed_ = true;
      buf_.clear();
      return Status::too_long;
    }
    return Status::need_more;
  }
  if (!buf_.empty() && buf_.back() == '\r') buf_.pop_back();
  if (buf_.size() > max_line_) {
    failed_ = true;
    buf_.clear();
    return Status::too_long;
  }
  line_.swap(buf_);
  buf_.clear();
  return Status::line;
}

}  // namespace loft::proto::admin

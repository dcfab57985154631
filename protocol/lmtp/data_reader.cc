#include "protocol/lmtp/data_reader.h"

#include <cstring>

namespace loft::proto::lmtp {

DataReader::DataReader(uint64_t max_size) : max_size_(max_size) {}

void DataReader::reset(uint64_t max_size) {
  max_size_ = max_size;
  size_ = 0;
  state_ = State::line_start;
  overflow_ = false;
}

void DataReader::emit(std::string_view bytes, std::string* out) {
  size_ += bytes.size();
  if (overflow_) return;
  if (size_ > max_size_) {
    overflow_ = true;  // the caller drops the partial message; stop growing it
    return;
  }
  out->append(bytes);
}

DataReader::Status DataReader::feed(std::string_view* input, std::string* out) {
  while (!input->empty()) {
    switch (state_) {
      case State::line_start:
        if (input->front() == '.') {  // §4.5.2: a leading dot is either stuffing or the end
          input->remove_prefix(1);
          state_ = State::dot;
        } else {
          state_ = State::mid_line;
        }
        break;
      case State::dot:
        if (input->front() == '\n') {  // ".<LF>": tolerated end marker
          input->remove_prefix(1);
          return overflow_ ? Status::too_big : Status::done;
        }
        if (input->front() == '\r') {
          input->remove_prefix(1);
          state_ = State::dot_cr;
        } else {
          state_ = State::mid_line;  // stuffed dot dropped; the rest of the line follows
        }
        break;
      case State::dot_cr:
        if (input->front() == '\n') {  // ".<CR><LF>": the end marker
          input->remove_prefix(1);
          return overflow_ ? Status::too_big : Status::done;
        }
        emit("\r", out);  // ".<CR>x": the dot was stuffing, the CR is data
        state_ = State::mid_line;
        break;
      case State::mid_line: {
        const void* lf = std::memchr(input->data(), '\n', input->size());
        size_t n = lf ? static_cast<size_t>(static_cast<const char*>(lf) - input->data()) + 1 : input->size();
        emit(input->substr(0, n), out);
        input->remove_prefix(n);
        if (lf) state_ = State::line_start;
        break;
      }
    }
  }
  return Status::need_more;
}

}  // namespace loft::proto::lmtp

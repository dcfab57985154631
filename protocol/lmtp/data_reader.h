// Incremental reader of the DATA section (RFC 5321 §4.1.1.4 and §4.5.2):
// removes dot-stuffing and stops at the "<CRLF>.<CRLF>" end marker. The CRLF
// before the dot ends the message's last line and is kept in the message.
// Lines ending in a bare LF are tolerated and kept as they are (a line "."
// ended by a bare LF also ends the data). Chunks may be split anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loft::proto::lmtp {

class DataReader {
 public:
  enum class Status {
    need_more,  // all input consumed; the end marker has not been seen yet
    done,       // the end marker was consumed; the message is complete
    too_big,    // the end marker was consumed; the message exceeded max_size
                // and was not kept whole (RFC 5321 §4.5.3.1.10: reply 552)
  };

  // max_size bounds the unstuffed message bytes appended to the output.
  explicit DataReader(uint64_t max_size);

  // Consumes a prefix of *input (advancing it), appending message bytes to
  // *out; stops right after the end marker, leaving what follows in *input.
  // Once past max_size nothing more is appended, but input is consumed; after
  // too_big, *out holds an unspecified prefix (at most max_size bytes) that
  // depends on how the input was split: discard it.
  Status feed(std::string_view* input, std::string* out);

  // Starts a new message (call before each DATA).
  void reset(uint64_t max_size);

  // Unstuffed message bytes seen so far, including any discarded ones.
  uint64_t size() const { return size_; }

 private:
  enum class State { line_start, dot, dot_cr, mid_line };
  void emit(std::string_view bytes, std::string* out);

  uint64_t max_size_;
  uint64_t size_ = 0;
  State state_ = State::line_start;
  bool overflow_ = false;
};

}  // namespace loft::proto::lmtp

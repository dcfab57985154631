// Bounded reader of LMTP command lines (RFC 2033 §4, RFC 5321 §2.3.8 and
// §4.5.3.1.4). Pure: feed it bytes in pieces of any size. Lines end in CRLF;
// a bare LF is accepted too because some clients send it. A line longer than
// the limit is never buffered past the limit: its remaining bytes are dropped
// up to the next LF, then it is reported once as too_long, in line order.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace loft::proto::lmtp {

class LineReader {
 public:
  enum class Status {
    need_more,  // all of the input was consumed, no line is complete yet
    line,       // line() holds a complete line, without its CRLF / LF
    too_long,   // an over-long line ended; it was discarded
  };

  // max_line counts the bytes of a line without its CRLF (or LF).
  explicit LineReader(size_t max_line);

  // Consumes a prefix of *input (advancing it) up to and including the end of
  // at most one line. Call again while it returns line/too_long and input remains.
  Status read(std::string_view* input);

  // The last complete line; valid until the next read().
  const std::string& line() const { return line_; }

  // Bytes of an unfinished line held (for tests and accounting).
  size_t buffered() const { return buf_.size(); }

  // Forgets any partial line (RFC 3207 §4.2: discard input received before
  // the TLS handshake).
  void reset();

  // Changes the limit from the next line on (POP3 allows longer lines after login).
  void set_max_line(size_t max_line) { max_line_ = max_line; }

  // Capacity a buffer keeps between lines; more is released after the line.
  static constexpr size_t kKeepCapacity = 4096;

 private:
  size_t max_line_;
  std::string buf_;   // the unfinished line, at most max_line + 1 bytes
  std::string line_;  // the last complete line
  bool discarding_ = false;
};

}  // namespace loft::proto::lmtp

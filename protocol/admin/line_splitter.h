// Incremental, bounded splitter of admin-protocol lines (LF-terminated, a
// trailing CR is dropped). Both ends use it: loftd for requests, loftctl for
// responses. An over-long line is a broken peer: the splitter stops there.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/admin/message.h"

namespace loft::proto::admin {

class LineSplitter {
 public:
  enum class Status {
    need_more,  // all of the input was consumed, no line is complete yet
    line,       // line() holds a complete line without its LF / CRLF
    too_long,   // a line exceeded the limit; this and every later call fails
  };

  // max_line counts the bytes of a line without its terminator.
  explicit LineSplitter(size_t max_line = kMaxLine);

  // Consumes a prefix of *input (advancing it) up to and including at most one
  // LF. Call again while it returns line and input remains.
  Status next(std::string_view* input);

  // The last complete line; valid until the next call to next().
  const std::string& line() const { return line_; }

 private:
  size_t max_line_;
  std::string buf_;
  std::string line_;
  bool failed_ = false;
};

}  // namespace loft::proto::admin

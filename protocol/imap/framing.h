// Internal: line-framing helpers of the incremental parser: spotting a
// literal announcement at the end of a line (RFC 3501 §4.3, RFC 7888) and
// tracking quoted strings so a "{5}" inside quotes is not taken for one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loft::proto::imap {

// A literal announced at the end of a line: "{N}", "{N+}", "~{N}", "~{N+}".
struct LiteralSpec {
  bool present = false;
  bool sync = true;       // false for the RFC 7888 "{N+}" form
  bool literal8 = false;  // RFC 3516 "~{N}"
  uint64_t size = 0;      // saturates at UINT64_MAX on overflow
};

// Looks at the end of line (CRLF already stripped) for a literal header.
LiteralSpec literal_suffix(std::string_view line);

// True when the command so far (tag first) is one whose literals carry a
// whole message (APPEND, RFC 3501 §6.3.11; REPLACE, RFC 8508), which may be
// as large as the message size limit. Other commands' literals are small.
bool carries_message(std::string_view command_text);

// Follows quoted strings (RFC 3501 §9 quoted, with "\" escapes) across the
// pieces of one line.
class QuoteTracker {
 public:
  // Advances over bytes of the line.
  void scan(std::string_view bytes);
  // True when the bytes so far end inside a quoted string.
  bool in_quote() const { return in_quote_; }
  // Starts over at the beginning of a line (or after a literal).
  void reset() { in_quote_ = escape_ = false; }

 private:
  bool in_quote_ = false;
  bool escape_ = false;
};

// Keeps the last kTailSize bytes of a line being skipped (bounded memory),
// enough to hold any literal header worth honouring.
class LineTail {
 public:
  static constexpr size_t kTailSize = 40;
  // Appends bytes, keeping only the last kTailSize.
  void append(std::string_view bytes);
  // The kept bytes.
  std::string_view view() const { return tail_; }
  // Forgets everything.
  void clear() { tail_.clear(); }

 private:
  std::string tail_;
};

}  // namespace loft::proto::imap

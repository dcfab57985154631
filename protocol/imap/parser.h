// Incremental IMAP command parser (RFC 3501 §9 grammar, RFC 7888 LITERAL+).
// Pure: it never touches a socket. Feed it bytes as they arrive, in pieces of
// any size; it returns one event at a time:
//   need_more     - everything given was consumed, nothing complete yet
//   need_literal  - a synchronising literal {N} was announced and accepted;
//                   the caller sends "+ ..." and keeps feeding
//   command       - a whole command (with all its literals) was parsed
//   error         - a bad command; `fatal` says whether the stream can go on
// Non-fatal errors (unknown command, bad arguments, over-long line that was
// skipped to its end) are answered with "tag BAD message" and parsing
// continues with the next line. Fatal errors (a non-synchronising literal
// above the limit, whose bytes cannot be skipped safely) end the connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/command.h"

namespace loft::proto::imap {

struct ParserLimits {
  size_t max_line = 64 * 1024;             // bytes of one line, literals excluded
  uint64_t max_literal = 64 * 1024 * 1024;  // bytes of one literal
  size_t max_literals_total = 64 * 1024 * 1024;  // bytes of all literals of one command
  size_t max_depth = 16;                   // parenthesis nesting
  size_t max_tokens = 100000;              // tokens in one command
};

struct ParseError {
  std::string tag;      // "*" when the tag itself could not be read
  std::string message;  // human-readable, safe to send after "BAD "
  bool fatal = false;
};

struct ParseEvent {
  enum class Kind { need_more, need_literal, command, error };
  Kind kind = Kind::need_more;
  std::optional<Command> command;  // set for Kind::command
  ParseError error;                // set for Kind::error
  uint64_t literal_size = 0;       // set for Kind::need_literal
};

class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  // Consumes a prefix of *input (advancing it) and reports what happened.
  // Call again with the rest while the event is command, error or
  // need_literal and input is non-empty.
  ParseEvent feed(std::string_view* input);

  // Forgets any partial command (after STARTTLS, RFC 3501 §6.2.1 requires
  // the server to discard any plaintext that followed the command).
  void reset();

  // Bytes buffered for the command in progress (for memory accounting).
  size_t buffered() const;

 private:
  // implementation-defined state (see parser.cc)
  struct State;
  ParserLimits limits_;
  std::string line_;       // the current command's bytes, literals included
  size_t scan_ = 0;        // how far line_ has been scanned for CRLF
  uint64_t literal_left_ = 0;  // literal bytes still to read into line_
  bool skipping_ = false;  // discarding an over-long line up to its CRLF
  std::string skip_tag_;
  size_t literals_total_ = 0;
};

// Parses one complete command text (as accumulated by Parser, literals inline
// as {N}\r\n<bytes>). Exposed for tests and fuzzing.
// On failure returns a ParseError with the tag if it could be read.
struct ParseResult {
  std::optional<Command> command;
  ParseError error;
};
ParseResult parse_command(std::string_view text, const ParserLimits& limits);

}  // namespace loft::proto::imap

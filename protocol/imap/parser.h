// Incremental IMAP command parser (RFC 3501 §9 grammar, RFC 7888 LITERAL+).
// Pure: it never touches a socket. Feed it bytes as they arrive, in pieces of
// any size; it returns one event at a time:
//   need_more     - everything given was consumed, nothing complete yet
//   need_literal  - a synchronising literal {N} was announced and accepted;
//                   the caller sends "+ ..." and keeps feeding
//   command       - a whole command (with all its literals) was parsed
//   error         - a bad command; `fatal` says whether the stream can go on
//   message_start - APPEND's message literal was announced: `command` holds
//                   the APPEND (mailbox, flags, date, size); for a
//                   synchronising literal the caller then calls accept_message
//                   (and sends "+ ...") or reject_message (and answers NO)
//   message_data  - bytes of that literal, never buffered by the parser
//                   (`data` points into the input given to feed)
//   message_end   - the literal and its CRLF were read: the APPEND is complete
//   catenate_text - RFC 4469 CATENATE: a TEXT part's literal was announced
//                   (literal_size, literal_sync); decided and streamed like a
//                   message literal (accept_message / reject_message, then
//                   message_data)
//   catenate_url  - RFC 4469 CATENATE: a URL part (`data`, valid until the
//                   next feed)
// RFC 3502 MULTIAPPEND: after a message literal another "[flags] [date]
// literal" group may follow; it is reported as a further message_start whose
// CmdAppend::index counts up from 0 (the previous message's bytes are then
// all given), and message_end comes once, after the last message.
// RFC 4469 CATENATE: a message may be "CATENATE (" parts ")" instead of a
// literal: message_start then comes with CmdAppend::catenate (no literal to
// decide), followed by its parts in order; the next message (MULTIAPPEND) or
// message_end follows the ")".
// So a message of any size passes through in pieces (RFC 3501 §6.3.11).
// Non-fatal errors (unknown command, bad arguments, a synchronising literal
// above the limit, an over-long line) are answered with "tag BAD message" and
// parsing continues with the next line. An over-long line is reported as soon
// as it passes max_line; the rest of it, up to its LF, is then discarded
// without buffering. Fatal errors (a non-synchronising literal above the
// limit, whose bytes cannot be skipped safely) end the connection: after one,
// feed keeps returning it and consumes everything.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/command.h"
#include "protocol/imap/framing.h"

namespace loft::proto::imap {

// Bounds on what one command may use; exceeding one gives an error.
struct ParserLimits {
  size_t max_line = 64 * 1024;             // bytes of one command's lines, literals and CRLFs excluded
  uint64_t max_literal = 64 * 1024 * 1024;  // bytes of one literal
  size_t max_literals_total = 64 * 1024 * 1024;  // bytes of all literals of one command
  size_t max_depth = 16;                   // parenthesis nesting
  size_t max_tokens = 100000;              // tokens in one command
  // RFC 7888 §4 LITERAL-: a non-synchronising literal above this is refused
  // (BAD, fatal). UINT64_MAX with LITERAL+ (what Loft advertises).
  uint64_t max_nonsync_literal = UINT64_MAX;
  // RFC 3502 MULTIAPPEND: messages in one APPEND, and their bytes together
  // (each message is also bounded by max_literal). Over either: NO.
  uint32_t max_append_messages = 1000;
  uint64_t max_append_total = 256ull * 1024 * 1024;
  // RFC 4469 CATENATE: TEXT and URL parts of one message. Over it: NO [LIMIT].
  uint32_t max_catenate_parts = 1000;
};

// Why a command was rejected; answered "tag BAD message".
struct ParseError {
  std::string tag;      // "*" when the tag itself could not be read
  std::string message;  // human-readable, safe to send after "BAD "
  bool fatal = false;
  // Answered NO, not BAD: a well-formed command refused (RFC 7889 TOOBIG).
  bool refused = false;
};

// The outcome of one Parser::feed call.
struct ParseEvent {
  enum class Kind {
    need_more, need_literal, command, error, message_start, message_data, message_end, catenate_text, catenate_url
  };
  Kind kind = Kind::need_more;
  std::optional<Command> command;  // set for Kind::command and Kind::message_start
  std::string_view data;           // set for Kind::message_data and Kind::catenate_url
  ParseError error;                // set for Kind::error
  uint64_t literal_size = 0;       // set for Kind::need_literal and Kind::catenate_text
  bool literal_sync = true;        // Kind::catenate_text: a synchronising literal (wait for the decision)
};

// The per-connection command framer (see the top of this file).
class Parser {
 public:
  explicit Parser(ParserLimits limits = {});

  // Consumes a prefix of *input (advancing it) and reports what happened.
  // Call again with the rest while the event is command, error or
  // need_literal and input is non-empty.
  ParseEvent feed(std::string_view* input);

  // After message_start or catenate_text with a synchronising literal: the client may send it
  // (the caller sends the "+" continuation), or the APPEND ends here (the
  // client sends nothing, RFC 3501 §7.5). Feeding without deciding accepts.
  void accept_message();
  void reject_message();

  // Forgets any partial command (after STARTTLS, RFC 3501 §6.2.1 requires
  // the server to discard any plaintext that followed the command).
  void reset();

  // True while events wait that need no further input (RFC 4469: the parts
  // of one line are reported one by one): call feed, even with no bytes.
  bool has_pending() const { return !cat_items_.empty(); }
  // Bytes buffered for the command in progress (for memory accounting).
  size_t buffered() const;
  // True between a command's first byte and its end: a partial line, a
  // literal, or an APPEND message or the line after it, being read or skipped.
  bool mid_command() const {
    return mode_ != Mode::failed && (mode_ != Mode::line || !line_.empty() || message_tail_ || !cat_items_.empty());
  }
  // Replaces the limits from the next line on (tighter before login, RFC 3501
  // §6.2: the server may bound what an unauthenticated client sends).
  void set_limits(const ParserLimits& limits) { limits_ = limits; }
  // Capacity the command buffer keeps between commands.
  static constexpr size_t kKeepCapacity = 16 * 1024;

  // Outcome of read_line.
  enum class LineStatus { need_more, line, too_long };
  // Reads one raw CRLF- (or LF-) terminated line, terminator stripped, from
  // the same stream, for AUTHENTICATE continuations (RFC 3501 §6.2.2). Call
  // only between commands; bytes already buffered come first. too_long: the
  // line exceeded max_line; the rest of it is discarded by later calls.
  LineStatus read_line(std::string_view* input, std::string* line);

 private:
  enum class Mode : uint8_t { line, literal, skip_line, skip_literal, failed, message_wait, message };

  bool take_line_bytes(std::string_view* input, ParseEvent* ev);
  bool end_segment(ParseEvent* ev);
  bool start_message(const LiteralSpec& lit, ParseEvent* ev, bool first);
  // The first message of an APPEND (RFC 3502): counts and mailbox start over.
  void begin_messages(const CmdAppend& first);
  bool end_message(std::string tail, const LiteralSpec& lit, ParseEvent* ev);
  void skip_literal_of_line(uint64_t size);
  bool skip(std::string_view* input);
  void start_skip(std::string_view chunk, bool raw);
  void clear_command();
  void clear_line();
  // RFC 4469 CATENATE (parser_catenate.cc).
  struct CatItem {
    enum class Kind : uint8_t { url, text, url_literal, close, error };
    Kind kind;
    std::string text;  // url: the URL; close: the rest of the line (its literal header too); error: the message
  };
  bool start_catenate(CmdAppend cmd, std::string tag, bool first, std::string_view list, const LiteralSpec& lit,
                      ParseEvent* ev);
  void queue_cat_segment(std::string_view segment, const LiteralSpec& lit);
  bool end_cat_segment(const LiteralSpec& lit);
  bool pop_cat_item(ParseEvent* ev);
  bool start_cat_text(ParseEvent* ev);
  bool start_cat_url_literal(ParseEvent* ev);
  bool refuse_catenate(std::string message, ParseEvent* ev);
  void end_catenate();

  ParserLimits limits_;
  Mode mode_ = Mode::line;
  std::string line_;            // the command so far, literals inline as {N}\r\n<bytes>
  size_t seg_len_ = 0;          // bytes of the current line segment in line_
  size_t line_bytes_ = 0;       // non-literal bytes of the command so far
  uint64_t literal_left_ = 0;   // literal bytes still to read (or skip)
  uint64_t literals_total_ = 0; // literal bytes of the command so far
  QuoteTracker quote_;          // so "{5}" inside a quoted string is no literal
  LineTail tail_;               // end of a line being skipped
  bool skip_raw_ = false;       // the skipped line is a raw read_line line
  ParseError fatal_;            // repeated once the stream is unusable
  bool message_tail_ = false;   // the line after APPEND's message literal is being read
  std::string message_tag_;     // that APPEND's tag
  bool message_utf8_ = false;   // RFC 6855 §4: the message was UTF8 (~{N}): ")" ends the line
  std::string message_mailbox_; // that APPEND's mailbox, as sent (RFC 3502: one for all messages)
  bool message_replace_ = false; // it is an RFC 8508 REPLACE: one message only
  uint32_t message_count_ = 0;  // messages of that APPEND announced so far
  uint64_t message_bytes_ = 0;  // their sizes added up
  bool cat_ = false;            // inside a CATENATE list (RFC 4469)
  bool cat_need_sp_ = false;    // a part of the list was read: the next needs SP (or ")")
  uint32_t cat_parts_ = 0;      // parts of the message so far
  uint64_t cat_text_bytes_ = 0; // its TEXT literal bytes
  std::deque<CatItem> cat_items_;  // read from the current line, not reported yet
  size_t cat_queued_ = 0;       // bytes held in cat_items_
  LiteralSpec cat_lit_;         // the literal that ends the current line
  std::string cat_lit_header_;  // its header as sent ("{5}", "{5+}")
  std::string cat_url_;         // the URL reported last (catenate_url's data)
};

// Parses one complete command text (as accumulated by Parser, literals inline
// as {N}\r\n<bytes>, the final CRLF excluded). Exposed for tests and fuzzing.
// On failure returns a ParseError with the tag if it could be read (never fatal).
// The outcome of parse_command: a command, or an error.
struct ParseResult {
  std::optional<Command> command;
  ParseError error;
};
ParseResult parse_command(std::string_view text, const ParserLimits& limits);

}  // namespace loft::proto::imap

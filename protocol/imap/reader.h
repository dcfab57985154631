// Internal: a cursor over one complete command text (literals inline as
// "{N}\r\n<bytes>") reading the RFC 3501 §9 tokens. Used by parse_command and
// the per-command argument parsers; not part of the server-facing API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/imap/parser.h"

namespace loft::proto::imap {

// RFC 3501 §9 ATOM-CHAR: CHAR except atom-specials ( ) { SP CTL % * " \ ].
bool is_atom_char(unsigned char c);
// RFC 3501 §9 ASTRING-CHAR: ATOM-CHAR or "]".
bool is_astring_char(unsigned char c);
// Tag characters: ASTRING-CHAR except "+".
bool is_tag_char(unsigned char c);

// Reads the tag at the start of text: 1*<ASTRING-CHAR except "+"> followed
// by SP or the end (RFC 3501 §9). Sets *tag and *len (bytes used).
bool read_tag(std::string_view text, std::string* tag, size_t* len);
// The tag at the start of a command text if it is complete and valid (it is
// followed by SP), else "*": the tag for error replies.
std::string readable_tag(std::string_view text);

// Reads tokens left to right, counting them against max_tokens and list
// nesting against max_depth; the first failure sticks.
class Reader {
 public:
  // text must outlive the reader; limits bound tokens and nesting.
  Reader(std::string_view text, const ParserLimits& limits);

  // The first error recorded (empty if none); reads after a failure fail.
  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  // Records message as the error unless one is already set; returns false.
  bool fail(std::string_view message);

  bool at_end() const { return pos_ >= text_.size(); }
  // The next byte, or -1 at the end.
  int peek() const { return at_end() ? -1 : static_cast<unsigned char>(text_[pos_]); }
  // The text not read yet (for lookahead beyond one byte).
  std::string_view remaining() const { return at_end() ? std::string_view() : text_.substr(pos_); }
  // Consumes c if it is next.
  bool skip_if(char c);
  // Requires c next (error message names it).
  bool expect(char c);
  // Requires exactly one SP (RFC 3501 §9 separates arguments by one SP).
  bool expect_sp();
  // Requires the end of the text ("Unexpected extra arguments").
  bool expect_end();

  // A non-empty run of bytes satisfying pred, as one token (not copied).
  bool read_run(bool (*pred)(unsigned char), std::string_view* out, std::string_view what);
  // RFC 3501 atom.
  bool read_atom(std::string* out);
  // RFC 3501 astring = 1*ASTRING-CHAR / string.
  bool read_astring(std::string* out);
  // RFC 3501 string = quoted / literal.
  bool read_string(std::string* out);
  // RFC 3501 nstring = string / "NIL" (nullopt).
  bool read_nstring(std::optional<std::string>* out);
  // RFC 3501 number (1*DIGIT) no larger than max.
  bool read_number(uint64_t max, uint64_t* out);
  // RFC 3501 nz-number (digit-nz *DIGIT) no larger than max.
  bool read_nz_number(uint64_t max, uint64_t* out);
  // "(" and ")" with the nesting bound.
  bool open_list();
  bool close_list();

 private:
  bool count_token();
  bool read_quoted(std::string* out);
  bool read_literal(std::string* out);

  std::string_view text_;
  const ParserLimits& limits_;
  size_t pos_ = 0;
  size_t tokens_ = 0;
  size_t depth_ = 0;
  uint64_t literal_bytes_ = 0;
  std::string error_;
};

}  // namespace loft::proto::imap

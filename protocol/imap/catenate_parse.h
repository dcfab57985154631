// Internal: the grammar of RFC 4469 CATENATE for the framer (parser.cc,
// parser_catenate.cc). An APPEND message may be a parenthesised list of
// parts instead of one literal (RFC 4469 §5):
//   append-data =/ "CATENATE" SP "(" cat-part *(SP cat-part) ")"
//   cat-part = text-literal / url;  text-literal = "TEXT" SP literal;
//   url = "URL" SP astring
// The list is read one line segment at a time: a TEXT literal ends a segment
// (its bytes are streamed, never buffered), so is a URL literal (buffered
// like any small literal, then the segment goes on).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/framing.h"
#include "protocol/imap/message_parse.h"

namespace loft::proto::imap {

// Whether an APPEND line (tag first, earlier literals inline) is the
// CATENATE form, up to and including "CATENATE (".
struct CatenateHead {
  enum class Kind {
    none,      // not the CATENATE form (a message literal, a mailbox literal, or an error left to the caller)
    catenate,  // cmd holds mailbox, flags and date; the list starts at list_start
    error,     // "CATENATE" not followed by " (": error holds the message
  };
  Kind kind = Kind::none;
  CmdAppend cmd;
  size_t list_start = 0;
  std::string error;
};
// The first message: "tag APPEND mailbox SP [flags SP] [date SP] CATENATE SP (".
CatenateHead classify_catenate(std::string_view text, const ParserLimits& limits);
// A further message of a MULTIAPPEND (RFC 4469 §5 with RFC 3502), in the line
// after the previous message: "SP [flags SP] [date SP] CATENATE SP (".
CatenateHead classify_next_catenate(std::string_view tail, const ParserLimits& limits);

// What one segment of a cat-part list holds.
struct CatSegment {
  enum class End {
    text,         // "TEXT" before the segment's literal: the caller streams it
    url_literal,  // "URL" before the segment's literal: the URL is that literal
    close,        // ")" ended the list; the rest of the segment starts at rest
    error,        // malformed: error holds the message
  };
  std::vector<std::string> urls;  // the URL parts read, in order
  End end = End::error;
  size_t rest = 0;
  std::string error;
};
// seg: the list's bytes up to (not including) the segment's trailing literal
// header, which lit describes (lit.present false: the line ended there).
// need_sp: a part came before seg (so the next is " cat-part" or ")").
CatSegment parse_cat_segment(std::string_view seg, bool need_sp, const LiteralSpec& lit, const ParserLimits& limits);

// The length of the trailing literal header ("{N}", "{N+}", "~{N}") that
// literal_suffix found at the end of line.
size_t literal_header_size(std::string_view line, const LiteralSpec& lit);

}  // namespace loft::proto::imap

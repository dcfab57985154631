// Internal: argument parsers of the message commands (message_commands.h),
// used by parse_command.cc's table and by the framer (parser.cc) to recognise
// APPEND's message literal before its bytes arrive.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/imap/command.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// RFC 3501 §9 flag-list "(" [flag *(SP flag)] ")". \Recent and unknown
// "\" flags are refused (RFC 3501 §2.3.2: \Recent cannot be stored).
bool parse_flag_list(Reader* r, FlagList* out);
// RFC 3501 §9 date-time (quoted) to seconds since the epoch, UTC, and the zone.
bool parse_date_time(Reader* r, int64_t* unix_seconds, int32_t* tz_offset_minutes);

// What the framer learns from an APPEND line that ends with a literal header.
struct AppendHead {
  enum class Kind {
    message,   // the literal is the message: cmd holds the rest of the command
    argument,  // the literal is the mailbox name (an ordinary small literal)
    error,     // the command is malformed: error holds the message
  };
  Kind kind = Kind::error;
  CmdAppend cmd;
  std::string error;
};
// text is the command so far (tag first, earlier literals inline) with the
// final literal header "{N}" / "{N+}" (already read into size and sync)
// removed. RFC 3501 §6.3.11: APPEND SP mailbox [SP flag-list] [SP date-time] SP literal.
AppendHead classify_append(std::string_view text, uint64_t size, bool sync, const ParserLimits& limits);

// The command words of an APPEND-like line (tag first): "APPEND", "REPLACE n"
// or "UID REPLACE uid" (RFC 8508, into head->cmd); *rest is what follows
// them ("SP mailbox ..."). False with head->error on a malformed start.
bool read_append_command(std::string_view text, AppendHead* head, std::string_view* rest);
// "SP mailbox SP [flag-list SP] [date-time SP]" (RFC 3501 §6.3.11) at the reader.
bool parse_append_args(Reader* r, CmdAppend* cmd);
// "[flag-list SP] [date-time SP]" (RFC 3502 append-opts) at the reader.
bool parse_append_opts(Reader* r, CmdAppend* cmd);

// RFC 3502 MULTIAPPEND: the line after a message literal, up to the next
// literal header (removed): "SP [flag-list SP] [date-time SP]". The mailbox
// is left empty (it is the first message's).
AppendHead classify_next_message(std::string_view text, uint64_t size, bool sync, const ParserLimits& limits);

// Table entries of parse_command.cc (the reader stands after the name).
bool parse_append(Reader* r, CommandBody* body);
bool parse_store(Reader* r, CommandBody* body, bool uid);
bool parse_copy(Reader* r, CommandBody* body, bool uid, bool move);
bool parse_uid_expunge(Reader* r, CommandBody* body);
// A sequence-set argument (RFC 3501 §9), "Invalid sequence set" otherwise.
// With allow_last, also RFC 5182 §3 "$" (SeqSet::last_result).
bool parse_seq_set(Reader* r, SeqSet* out, bool allow_last = false);
// RFC 5182 §3 seq-last-command: reads "$" at the reader's position into out
// (last_result set). "$" stands alone: "$,1" or "$:2" is an invalid set.
bool parse_seq_last_command(Reader* r, SeqSet* out);

}  // namespace loft::proto::imap

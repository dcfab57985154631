// Argument parsers of the mailbox commands (mailbox_commands.h), called by
// parse_command's table with the reader just after the command name.
#pragma once

#include "protocol/imap/command.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// RFC 3501 §6.3.3 and RFC 6154 §3: CREATE SP mailbox [SP "(" USE SP "(" flags ")" ")"].
bool parse_create(Reader* r, CommandBody* body);
// RFC 3501 §6.3.4: DELETE SP mailbox.
bool parse_delete(Reader* r, CommandBody* body);
// RFC 3501 §6.3.5: RENAME SP mailbox SP mailbox.
bool parse_rename(Reader* r, CommandBody* body);
// RFC 3501 §6.3.6/§6.3.7: (UN)SUBSCRIBE SP mailbox.
bool parse_subscribe(Reader* r, CommandBody* body);
bool parse_unsubscribe(Reader* r, CommandBody* body);
// RFC 3501 §6.3.8 with RFC 5258 §6 (extended LIST), §6.3.9 LSUB, XLIST.
bool parse_list(Reader* r, CommandBody* body);
bool parse_lsub(Reader* r, CommandBody* body);
bool parse_xlist(Reader* r, CommandBody* body);
// RFC 3501 §6.3.10: STATUS SP mailbox SP "(" status-att *(SP status-att) ")".
bool parse_status(Reader* r, CommandBody* body);
// RFC 2971 §3: ID SP ("(" string SP nstring *(SP string SP nstring) ")" / NIL).
bool parse_id(Reader* r, CommandBody* body);
// RFC 5161 §4: ENABLE 1*(SP capability).
bool parse_enable(Reader* r, CommandBody* body);

// RFC 2971 §3.3 bounds on what a client sends in ID.
inline constexpr size_t kMaxIdFields = 30;
inline constexpr size_t kMaxIdFieldName = 30;
inline constexpr size_t kMaxIdValue = 1024;
// Patterns in one extended LIST (RFC 5258 §3): each costs a compiled matcher.
inline constexpr size_t kMaxListPatterns = 32;
// ENABLE arguments accepted in one command.
inline constexpr size_t kMaxEnable = 32;

}  // namespace loft::proto::imap

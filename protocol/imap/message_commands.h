// Typed commands that add, change and remove messages: APPEND (RFC 3501
// §6.3.11), STORE (§6.4.6), COPY (§6.4.7), MOVE (RFC 6851), EXPUNGE (§6.4.3)
// and UID EXPUNGE (RFC 4315 §2.1), CLOSE (§6.4.2), UNSELECT (RFC 3691), CHECK
// (§6.4.1). Included by command.h, which lists them in CommandBody.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/seqset.h"

namespace loft::proto::imap {

// A flag list as sent: system flags (RFC 3501 §2.3.2) as bits, keywords
// (flag-keyword atoms) as written, duplicates removed case-insensitively.
// \Recent is not among the bits: no client may set or clear it. The bit
// values are storage::Flag's (server/imap/cmd_append.cc checks).
struct FlagList {
  static constexpr uint32_t kSeen = 1u << 0;
  static constexpr uint32_t kAnswered = 1u << 1;
  static constexpr uint32_t kFlagged = 1u << 2;
  static constexpr uint32_t kDeleted = 1u << 3;
  static constexpr uint32_t kDraft = 1u << 4;
  uint32_t system = 0;
  std::vector<std::string> keywords;
};

// RFC 3501 §6.3.11 APPEND, also RFC 8508 REPLACE. The message literal is not held here: the parser
// streams its bytes after this header (ParseEvent::Kind::message_start).
struct CmdAppend {
  std::string mailbox;  // the astring as sent (modified UTF-7), not decoded
  FlagList flags;
  std::optional<int64_t> internal_date;  // seconds since the epoch, UTC (date-time given)
  int32_t tz_offset_minutes = 0;         // the zone of the date-time given
  uint64_t message_size = 0;             // bytes of the message literal
  bool sync = true;                      // false for a LITERAL+ "{N+}" literal (RFC 7888)
  bool utf8 = false;                     // RFC 6855 §4: sent as UTF8 (literal8)
  uint32_t index = 0;                    // RFC 3502 MULTIAPPEND: which message of the command (0 first)
  // RFC 8508 REPLACE (UID REPLACE: replace_uid): the message of the selected
  // mailbox that the new one replaces; a sequence number ("*": kLastMessage) or a UID.
  static constexpr uint32_t kLastMessage = UINT32_MAX;
  std::optional<uint32_t> replace;
  bool replace_uid = false;
  // RFC 4469 CATENATE: the message is built from the TEXT and URL parts that
  // follow (ParseEvent::Kind::catenate_text / catenate_url); message_size is 0
  // and sync unused (each TEXT literal is decided on its own).
  bool catenate = false;
};

// RFC 3501 §6.4.6 STORE and §6.4.8 UID STORE.
struct CmdStore {
  enum class Op { replace, add, remove };  // FLAGS, +FLAGS, -FLAGS
  SeqSet set;
  bool uid = false;
  Op op = Op::replace;
  bool silent = false;  // ".SILENT": no untagged FETCH for this change
  FlagList flags;
  std::optional<uint64_t> unchanged_since;  // RFC 7162 §3.1.3 (UNCHANGEDSINCE n)
};

// RFC 3501 §6.4.7 COPY and RFC 6851 MOVE, with their UID forms.
struct CmdCopy {
  SeqSet set;
  bool uid = false;
  bool move = false;
  std::string mailbox;  // as sent (modified UTF-7)
};

// RFC 3501 §6.4.3 EXPUNGE; with uid, RFC 4315 §2.1 UID EXPUNGE limited to set.
struct CmdExpunge {
  bool uid = false;
  SeqSet set;
};

// RFC 3501 §6.4.2
struct CmdClose {};
// RFC 3691
struct CmdUnselect {};
// RFC 3501 §6.4.1
struct CmdCheck {};
// RFC 5267 §4.3.5 CANCELUPDATE: the tags (quoted strings, at least one) of
// the searching commands whose updates stop.
struct CmdCancelUpdate {
  std::vector<std::string> tags;
};

}  // namespace loft::proto::imap

// RFC 5465 NOTIFY: the command's grammar (§8), the rules that make a NOTIFY
// SET BAD or NO (§3, §5, §6), and the untagged responses that carry its
// mailbox events (§5.4-§5.7). The typed command is CmdNotify (command.h).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "protocol/imap/command.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// At most this many mailbox names in one NOTIFY (NO [LIMIT] beyond).
inline constexpr size_t kMaxNotifyNames = 100;

// Reads NOTIFY's arguments, the reader just after "NOTIFY" (§8):
// SP ("NONE" / "SET" [SP "STATUS"] 1*(SP event-group)). Unknown event atoms
// are kept in NotifyGroup::unknown (they make a NO [BADEVENT], not a BAD).
bool parse_notify_args(Reader* r, CmdNotify* cmd);

// The rules of §5 and §6 a well-formed NOTIFY SET can break (answered BAD):
// one SELECTED / SELECTED-DELAYED group at most; in it, MessageNew and
// MessageExpunge together, FlagChange only with both; fetch attributes only
// after MessageNew of that group. nullopt when none is broken.
std::optional<std::string> notify_rule_error(const CmdNotify& cmd);

// True if cmd names an event Loft does not offer (an unknown atom, or
// AnnotationChange: there is no RFC 5257 ANNOTATE): answered NO [BADEVENT].
bool notify_has_unsupported(const CmdNotify& cmd);
// The BADEVENT response code, listing the events Loft supports (§8).
ResponseCode notify_badevent();

// The mailbox events of §5.4-§5.5 as a LIST response: "* LIST (attrs) "/"
// name" with \NonExistent for a deleted mailbox, \Subscribed for a new
// subscription, and the OLDNAME extended item (RFC 5258 §3.5 form) for a rename.
struct NotifyListResponse {
  std::string_view name;      // UTF-8
  std::string_view old_name;  // renamed: the old name (UTF-8), else empty
  bool nonexistent = false;
  bool subscribed = false;
  NameForm form = NameForm::mutf7;
  void serialize(std::string* out) const;
};

// §5.6-§5.7 (RFC 5464 §4.4.2 unsolicited form): "* METADATA mailbox entry
// *(SP entry)"; mailbox "" for server annotations.
struct NotifyMetadataResponse {
  std::string_view mailbox;  // UTF-8
  std::span<const std::string> entries;
  NameForm form = NameForm::mutf7;
  void serialize(std::string* out) const;
};

}  // namespace loft::proto::imap

// The per-command table: names, valid states and sequence-number use.
#include "protocol/imap/command_table.h"

namespace loft::proto::imap {
namespace {

constexpr uint8_t kAuthOrSelected = kAuthenticated | kSelected;

// RFC 3501 §6.1: any state.
constexpr CommandInfo kCapability{"CAPABILITY", kAnyState, false};
constexpr CommandInfo kNoop{"NOOP", kAnyState, false};
constexpr CommandInfo kLogout{"LOGOUT", kAnyState, false};
// RFC 3501 §6.2: not authenticated only.
constexpr CommandInfo kStartTls{"STARTTLS", kNotAuthenticated, false};
constexpr CommandInfo kAuthenticate{"AUTHENTICATE", kNotAuthenticated, false};
constexpr CommandInfo kLogin{"LOGIN", kNotAuthenticated, false};
// RFC 3501 §6.3: authenticated (and selected, which first closes the mailbox).
constexpr CommandInfo kSelect{"SELECT", kAuthOrSelected, false};
constexpr CommandInfo kExamine{"EXAMINE", kAuthOrSelected, false};
// RFC 4978 §3 (its grammar puts COMPRESS in command-auth): authenticated and selected.
constexpr CommandInfo kCompress{"COMPRESS", kAuthOrSelected, false};
// RFC 3501 §6.4: selected only.
constexpr CommandInfo kFetch{"FETCH", kSelected, true};
constexpr CommandInfo kUidFetch{"UID FETCH", kSelected, false};
// RFC 2177 §3: authenticated and selected (Outlook IDLEs before any SELECT).
constexpr CommandInfo kIdle{"IDLE", kAuthOrSelected, false};

struct InfoOf {
  const CommandInfo& operator()(const CmdCapability&) const { return kCapability; }
  const CommandInfo& operator()(const CmdNoop&) const { return kNoop; }
  const CommandInfo& operator()(const CmdLogout&) const { return kLogout; }
  const CommandInfo& operator()(const CmdStartTls&) const { return kStartTls; }
  const CommandInfo& operator()(const CmdAuthenticate&) const { return kAuthenticate; }
  const CommandInfo& operator()(const CmdLogin&) const { return kLogin; }
  const CommandInfo& operator()(const CmdSelect& c) const { return c.read_only ? kExamine : kSelect; }
  const CommandInfo& operator()(const CmdFetch& c) const { return c.uid ? kUidFetch : kFetch; }
  const CommandInfo& operator()(const CmdCompress&) const { return kCompress; }
  const CommandInfo& operator()(const CmdIdle&) const { return kIdle; }
};

}  // namespace

const CommandInfo& command_info(const CommandBody& body) { return std::visit(InfoOf{}, body); }

}  // namespace loft::proto::imap

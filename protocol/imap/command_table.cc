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
constexpr CommandInfo kSearch{"SEARCH", kSelected, true};
constexpr CommandInfo kUidSearch{"UID SEARCH", kSelected, false};
// RFC 3501 §6.3.11 APPEND (authenticated or selected), §6.4 and the
// extensions' selected-state commands (RFC 4315, RFC 6851, RFC 3691).
constexpr CommandInfo kAppend{"APPEND", kAuthOrSelected, false};
constexpr CommandInfo kStore{"STORE", kSelected, true};
constexpr CommandInfo kUidStore{"UID STORE", kSelected, false};
constexpr CommandInfo kCopy{"COPY", kSelected, false};
constexpr CommandInfo kUidCopy{"UID COPY", kSelected, false};
constexpr CommandInfo kMove{"MOVE", kSelected, false};
constexpr CommandInfo kUidMove{"UID MOVE", kSelected, false};
constexpr CommandInfo kExpunge{"EXPUNGE", kSelected, false};
constexpr CommandInfo kUidExpunge{"UID EXPUNGE", kSelected, false};
constexpr CommandInfo kClose{"CLOSE", kSelected, false};
constexpr CommandInfo kUnselect{"UNSELECT", kSelected, false};
constexpr CommandInfo kCheck{"CHECK", kSelected, false};
// RFC 5267 §5: command-select =/ "CANCELUPDATE" 1*(SP quoted).
constexpr CommandInfo kCancelUpdate{"CANCELUPDATE", kSelected, false};

// RFC 3501 §6.3.3-§6.3.10 and RFC 2342: authenticated and selected.
constexpr CommandInfo kCreate{"CREATE", kAuthOrSelected, false};
constexpr CommandInfo kDelete{"DELETE", kAuthOrSelected, false};
constexpr CommandInfo kRename{"RENAME", kAuthOrSelected, false};
constexpr CommandInfo kSubscribe{"SUBSCRIBE", kAuthOrSelected, false};
constexpr CommandInfo kUnsubscribe{"UNSUBSCRIBE", kAuthOrSelected, false};
constexpr CommandInfo kList{"LIST", kAuthOrSelected, false};
constexpr CommandInfo kLsub{"LSUB", kAuthOrSelected, false};
constexpr CommandInfo kXlist{"XLIST", kAuthOrSelected, false};
constexpr CommandInfo kStatus{"STATUS", kAuthOrSelected, false};
constexpr CommandInfo kNamespace{"NAMESPACE", kAuthOrSelected, false};
// RFC 2971 §3.1: ID is valid in any state.
constexpr CommandInfo kId{"ID", kAnyState, false};
// RFC 5161 §3.1: ENABLE only in the authenticated state, before any SELECT.
constexpr CommandInfo kEnable{"ENABLE", kAuthenticated, false};
// RFC 2177 §3: authenticated and selected (Outlook IDLEs before any SELECT).
constexpr CommandInfo kIdle{"IDLE", kAuthOrSelected, false};
// RFC 5256 §3: selected only; the plain forms answer with sequence numbers.
constexpr CommandInfo kSort{"SORT", kSelected, true};
constexpr CommandInfo kUidSort{"UID SORT", kSelected, false};
constexpr CommandInfo kThread{"THREAD", kSelected, true};
constexpr CommandInfo kUidThread{"UID THREAD", kSelected, false};
// RFC 9208 §4.1: authenticated and selected.
constexpr CommandInfo kGetQuota{"GETQUOTA", kAuthOrSelected, false};
constexpr CommandInfo kGetQuotaRoot{"GETQUOTAROOT", kAuthOrSelected, false};
constexpr CommandInfo kSetQuota{"SETQUOTA", kAuthOrSelected, false};
// RFC 5464 §4: authenticated and selected.
constexpr CommandInfo kGetMetadata{"GETMETADATA", kAuthOrSelected, false};
constexpr CommandInfo kSetMetadata{"SETMETADATA", kAuthOrSelected, false};
// RFC 8437 §3: authenticated and selected.
constexpr CommandInfo kUnauthenticate{"UNAUTHENTICATE", kAuthOrSelected, false};
// RFC 5465 §8: command-auth =/ notify.
constexpr CommandInfo kNotify{"NOTIFY", kAuthOrSelected, false};

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
  const CommandInfo& operator()(const CmdSearch& c) const { return c.uid ? kUidSearch : kSearch; }
  const CommandInfo& operator()(const CmdAppend&) const { return kAppend; }
  const CommandInfo& operator()(const CmdStore& c) const { return c.uid ? kUidStore : kStore; }
  const CommandInfo& operator()(const CmdCopy& c) const {
    return c.move ? (c.uid ? kUidMove : kMove) : (c.uid ? kUidCopy : kCopy);
  }
  const CommandInfo& operator()(const CmdExpunge& c) const { return c.uid ? kUidExpunge : kExpunge; }
  const CommandInfo& operator()(const CmdClose&) const { return kClose; }
  const CommandInfo& operator()(const CmdUnselect&) const { return kUnselect; }
  const CommandInfo& operator()(const CmdCancelUpdate&) const { return kCancelUpdate; }
  const CommandInfo& operator()(const CmdCheck&) const { return kCheck; }
  const CommandInfo& operator()(const CmdCreate&) const { return kCreate; }
  const CommandInfo& operator()(const CmdDelete&) const { return kDelete; }
  const CommandInfo& operator()(const CmdRename&) const { return kRename; }
  const CommandInfo& operator()(const CmdSubscribe& c) const { return c.subscribe ? kSubscribe : kUnsubscribe; }
  const CommandInfo& operator()(const CmdList& c) const {
    return c.kind == CmdList::Kind::lsub ? kLsub : c.kind == CmdList::Kind::xlist ? kXlist : kList;
  }
  const CommandInfo& operator()(const CmdStatus&) const { return kStatus; }
  const CommandInfo& operator()(const CmdNamespace&) const { return kNamespace; }
  const CommandInfo& operator()(const CmdId&) const { return kId; }
  const CommandInfo& operator()(const CmdEnable&) const { return kEnable; }
  const CommandInfo& operator()(const CmdIdle&) const { return kIdle; }
  const CommandInfo& operator()(const CmdSort& c) const { return c.uid ? kUidSort : kSort; }
  const CommandInfo& operator()(const CmdThread& c) const { return c.uid ? kUidThread : kThread; }
  const CommandInfo& operator()(const CmdGetQuota&) const { return kGetQuota; }
  const CommandInfo& operator()(const CmdGetQuotaRoot&) const { return kGetQuotaRoot; }
  const CommandInfo& operator()(const CmdSetQuota&) const { return kSetQuota; }
  const CommandInfo& operator()(const CmdGetMetadata&) const { return kGetMetadata; }
  const CommandInfo& operator()(const CmdSetMetadata&) const { return kSetMetadata; }
  const CommandInfo& operator()(const CmdUnauthenticate&) const { return kUnauthenticate; }
  const CommandInfo& operator()(const CmdNotify&) const { return kNotify; }
};

}  // namespace

const CommandInfo& command_info(const CommandBody& body) { return std::visit(InfoOf{}, body); }

}  // namespace loft::proto::imap

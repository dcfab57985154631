// What the message commands (STORE, COPY, MOVE, EXPUNGE, APPEND) need from
// the selected mailbox's view, in one place: resolving a sequence set,
// recording the session's own changes so they are not reported to it a
// second time, and the session's \Recent. Also the mailbox-name decoding and
// the TRYCREATE reply they share.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/imap/seqset.h"
#include "server/imap/session.h"
#include "storage/types.h"

namespace loft::server::imap {

// One message of the view: its sequence number and UID.
using SeqUid = MailboxView::SeqUid;

// Message sequence numbers must all exist (RFC 3501 §9: a number above
// EXISTS is invalid; BAD); UIDs that do not exist are skipped (§6.4.8), "*"
// being the highest UID in the view. False only for invalid sequence numbers.
bool resolve_set(const ImapSession::Selected& sel, const proto::imap::SeqSet& set, bool uid,
                 std::vector<SeqUid>* out);
// The sequence number the client knows uid by, nullopt if none.
std::optional<uint32_t> seq_of(const ImapSession::Selected& sel, uint32_t uid);
// True if uid is \Recent for this session (RFC 3501 §2.3.2).
bool is_recent(const ImapSession::Selected& sel, uint32_t uid);
// The session changed messages' flags (one command's, taken at once) and
// reports (or, .SILENT, chose not to report) the new states itself: the view
// takes them and does not echo them.
void note_own_flags(ImapSession::Selected& sel, std::span<const storage::MessageSummary> ms);
// The session removed uid (EXPUNGE, MOVE): the number to send "* n EXPUNGE"
// with now, or nullopt if the client had no number for it.
std::optional<uint32_t> note_own_expunge(ImapSession::Selected& sel, uint32_t uid);
// The same for ascending uids, in one pass: the numbers in order, each after
// the removal of the earlier ones (the "* n EXPUNGE" sequence to send).
std::vector<std::optional<uint32_t>> note_own_expunges(ImapSession::Selected& sel,
                                                       std::span<const uint32_t> sorted_uids);
// The session added messages to its own selected mailbox (APPEND, COPY):
// the next sync_mailbox reports them.
void note_own_arrival(ImapSession::Selected& sel);

// A mailbox name as sent (modified UTF-7, RFC 3501 §5.1.3, or UTF-8 in a
// UTF8=ACCEPT session) to the UTF-8 name the store keeps. The one place
// APPEND, COPY and MOVE decode names.
Result<std::string> mailbox_from_wire(std::string_view wire, proto::imap::NameForm form);

// "tag NO [CODE] message" for a failed APPEND, COPY or MOVE: a missing
// target mailbox is [TRYCREATE] (RFC 3501 §6.3.11, §6.4.7), the rest as
// proto::imap::append_error_response maps them (RFC 5530).
std::string target_error_line(const std::string& tag, const Error& e);

}  // namespace loft::server::imap

// Resolving a command's sequence set (RFC 3501 §9 sequence-set) against the
// session's view of the selected mailbox, for STORE, COPY, MOVE and UID
// EXPUNGE (FETCH has its own, cmd_fetch.cc).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "protocol/imap/seqset.h"
#include "storage/types.h"

namespace loft::server::imap {

// One message of the view: its sequence number and UID.
struct SeqUid {
  uint32_t seq;
  uint32_t uid;
};

// Message sequence numbers must all exist (RFC 3501 §9: a number above
// EXISTS is invalid; BAD); UIDs that do not exist are skipped (§6.4.8), "*"
// being the highest UID in the view. False only for invalid sequence numbers.
bool resolve_set(const proto::imap::SeqSet& set, bool uid, const std::vector<storage::MessageSummary>& index,
                 std::vector<SeqUid>* out);

// A mailbox name as sent (modified UTF-7, RFC 3501 §5.1.3) to the UTF-8 name
// the store keeps. The one place APPEND, COPY and MOVE decode names.
Result<std::string> mailbox_from_wire(std::string_view wire);

// "tag NO [CODE] message" for a failed APPEND, COPY or MOVE: a missing
// target mailbox is [TRYCREATE] (RFC 3501 §6.3.11, §6.4.7), the rest as
// proto::imap::append_error_response maps them (RFC 5530).
std::string target_error_line(const std::string& tag, const Error& e);

// The sequence number of uid in index (ascending UIDs), 0 if absent.
uint32_t seq_of(const std::vector<storage::MessageSummary>& index, uint32_t uid);

}  // namespace loft::server::imap

// RFC 8474 OBJECTID identifiers: MAILBOXID and EMAILID derived from the
// store's internal ids under the store's secret key (Store::object_key), so
// they are stable, never reused for other data, and reveal nothing of ids,
// counts or other accounts (§7). THREADID is NIL: see thread_id below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/imap/response.h"

namespace loft::proto::imap {

// RFC 8474 §4: objectid = 1*255(ALPHA / DIGIT / "_" / "-"). True for a valid one.
bool is_object_id(std::string_view id);
// MAILBOXID (§4.1): "F" + 22 base64url characters of a keyed hash of
// (account, mailbox id). A RENAME keeps the mailbox id, so the MAILBOXID;
// a mailbox created anew under an old name has a new id, so a new MAILBOXID.
std::string mailbox_object_id(std::string_view key, uint64_t account, uint64_t mailbox);
// EMAILID (§5.1): "M" + 22 characters from (account, body id). Copies and
// moves share the body, so they share the EMAILID; two deliveries of the same
// bytes are two bodies and get two EMAILIDs (§5.1 allows either); the same
// body seen from two accounts gets two unrelated ids.
std::string email_object_id(std::string_view key, uint64_t account, uint64_t blob);
// [MAILBOXID (id)] (RFC 8474 §4.1), for SELECT/EXAMINE and the OK of CREATE.
inline ResponseCode mailboxid_code(std::string_view id) { return {"MAILBOXID", "(" + std::string(id) + ")"}; }

}  // namespace loft::proto::imap

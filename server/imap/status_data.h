// The values of STATUS items for one mailbox, shared by STATUS (RFC 3501
// §6.3.10) and LIST-STATUS (RFC 5819): the counts in the mailbox record, and
// for SIZE (RFC 8438), DELETED and DELETED-STORAGE (RFC 9208 §4.3) a pass
// over the mailbox's messages, done only when one of those is asked; RECENT
// counts the messages no session has claimed (recent_claims.h).
#pragma once

#include <span>

#include "base/result.h"
#include "protocol/imap/mailbox_response.h"
#include "storage/store.h"

namespace loft::server::imap {

// The status of mailbox for items (blocking: call on a worker). appendlimit
// is the RFC 7889 limit to report (0: NIL).
Result<proto::imap::MailboxStatus> status_data(storage::Store& store, const storage::MailboxInfo& mailbox,
                                               std::span<const proto::imap::CmdStatus::Item> items,
                                               uint64_t appendlimit);

}  // namespace loft::server::imap

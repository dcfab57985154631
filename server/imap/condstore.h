// RFC 7162 CONDSTORE and QRESYNC in the session: the mailbox's
// HIGHESTMODSEQ as the session reports it, the resynchronisation a SELECT
// (QRESYNC ...) sends, and the change-log reads FETCH (CHANGEDSINCE)
// filters with. Every read is the store's change log (changed_since,
// expunged_since): cost in proportion to the changes, never the mailbox.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "base/result.h"
#include "protocol/imap/command.h"
#include "protocol/imap/enable.h"
#include "server/imap/session.h"

namespace loft::server::imap {

// HIGHESTMODSEQ of the selected mailbox (RFC 7162 §3.1.2.1): the record read at
// SELECT or the index, kept current by the change feed, whichever is higher.
uint64_t highest_modseq(const ImapSession::Selected& sel);

// True if uid is in set, "*" meaning any UID (RFC 7162 known-uids).
bool in_uid_set(const proto::imap::SeqSet& set, uint32_t uid);

// RFC 7162 §3.2.5: the seq-match-data sets must name as many messages each.
bool seq_match_ok(const proto::imap::QresyncParams& q);

// RFC 7162 §3.2.5: after SELECT's untagged data, "* VANISHED (EARLIER)" for the
// UIDs expunged since q.modseq and "* n FETCH (UID FLAGS MODSEQ)" for the
// messages changed since, both within q.known_uids when given. done gets the
// store's error if the change log could not be read.
void send_qresync(ImapSession& session, const proto::imap::QresyncParams& q, std::function<void(Result<void>)> done);

// What FETCH (CHANGEDSINCE n [VANISHED]) needs from the change log.
struct ChangedSince {
  std::vector<uint32_t> changed;   // UIDs with a modseq above n, ascending
  std::vector<uint32_t> expunged;  // UIDs expunged above n, ascending (VANISHED only)
};
// Reads the change log on a worker; done runs on the loop.
void read_changed_since(ImapSession& session, storage::MailboxId mailbox, uint64_t modseq, bool expunged,
                        std::function<void(Result<ChangedSince>)> done);

}  // namespace loft::server::imap

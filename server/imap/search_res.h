// RFC 5182 SEARCHRES: the session's saved search result, "$". It lives in
// ImapSession::Selected (so SELECT, EXAMINE, CLOSE and UNSELECT reset it,
// §2.1) as ascending UIDs; a message expunged since simply no longer
// resolves, which is how "expunged messages leave it" (§2.1).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "protocol/imap/search.h"
#include "protocol/imap/seqset.h"
#include "server/imap/session.h"

namespace loft::server::imap {

// The UID set "$" stands for now: the saved UIDs as ranges (no range if none).
proto::imap::SeqSet saved_uid_set(const ImapSession::Selected& sel);
// set itself, or, for "$", the saved UIDs; *by_uid becomes true for "$"
// (RFC 5182 §2.1: "$" names UIDs whether the command is a UID one or not).
proto::imap::SeqSet expand_last_result(const ImapSession::Selected& sel, const proto::imap::SeqSet& set,
                                       bool* by_uid);
// Rewrites every "$" key of program (a sequence set or UID $) as a UID key
// over the saved result, before the search starts.
void expand_last_result(const ImapSession::Selected& sel, proto::imap::SearchKey* program);
// What SEARCH/SORT RETURN (SAVE ...) keeps of the found UIDs, given in the
// order reported (ascending for SEARCH, sort order for SORT), RFC 5182 §2.1:
// with MIN and/or MAX (or RFC 9394 PARTIAL) but neither ALL nor COUNT, only
// the messages those report; otherwise all of them. Returned ascending.
std::vector<uint32_t> saved_subset(const proto::imap::SearchReturn& ret, std::span<const uint32_t> uids);

}  // namespace loft::server::imap

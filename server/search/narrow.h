// The one table from IMAP SEARCH keys (RFC 3501 §6.4.4) to index fields,
// and the translation of a SEARCH program into a search::Narrow whose
// candidates are a superset of the program's matches: text keys become
// gram conditions, every other key (and NOT) takes every message.
#pragma once

#include "protocol/imap/search.h"
#include "search/index.h"

namespace loft::server::search {

// The narrowing condition for program (keys are case-folded here exactly as
// proto::imap::SearchNeedles folds them).
loft::search::Narrow narrow_for(const proto::imap::SearchKey& program);

// True if program has a text key the index can use (a needle of three or
// more indexable characters), i.e. asking the index can save work.
bool index_can_narrow(const proto::imap::SearchKey& program);

}  // namespace loft::server::search

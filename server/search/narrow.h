// The one table from IMAP SEARCH keys (RFC 3501 §6.4.4) to index fields,
// and the translation of a SEARCH program into a search::Narrow whose
// candidates are a superset of the program's matches: text keys become
// gram conditions, FUZZY text keys gram-or-stem conditions per word, every
// other key (and NOT) takes every message.
#pragma once

#include "protocol/imap/search.h"
#include "search/index.h"

namespace loft::server::search {

// The narrowing condition for program (keys are case-folded here exactly as
// proto::imap::SearchNeedles folds them). FUZZY BODY, TEXT and SUBJECT
// narrow by stem terms only with fuzzy_stems (Index::stems_match with
// stem_signature()); otherwise they take every message.
loft::search::Narrow narrow_for(const proto::imap::SearchKey& program, bool fuzzy_stems);

// True if program has a text key the index can use (a needle, or a FUZZY
// needle's word, of three or more indexable characters), i.e. asking the
// index can save work.
bool index_can_narrow(const proto::imap::SearchKey& program, bool fuzzy_stems);

}  // namespace loft::server::search

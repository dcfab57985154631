// Internal: the RFC 7162 grammar (§7) that SELECT/EXAMINE, FETCH, STORE and
// SEARCH take: select-params, fetch-modifiers, store-modifiers and the
// search-modsequence key. Each reads at the reader's position.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/imap/command.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// [SP "(" select-param *(SP select-param) ")"] after the mailbox name.
bool parse_select_params(Reader* r, CmdSelect* cmd);
// [SP "(" fetch-modifier *(SP fetch-modifier) ")"] after the FETCH items.
bool parse_fetch_modifiers(Reader* r, CmdFetch* cmd);
// "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")" SP: the reader stands on "(".
bool parse_store_modifiers(Reader* r, std::optional<uint64_t>* unchanged_since);
// After the key name "MODSEQ": [SP entry-name SP entry-type-req] SP mod-sequence-valzer.
bool parse_search_modseq(Reader* r, uint64_t* modseq);

}  // namespace loft::proto::imap

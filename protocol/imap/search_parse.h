// Internal: the SEARCH program grammar (RFC 3501 §6.4.4 and §9 search).
#pragma once

#include "protocol/imap/reader.h"
#include "protocol/imap/search.h"

namespace loft::proto::imap {

// Reads [SP "CHARSET" SP astring] 1*(SP search-key) at the reader's position
// (just after "SEARCH") into cmd->charset and cmd->program (an all_of). False,
// with the reader's error set, on a syntax error or a limit (kMaxSearchKeys,
// kMaxSearchDepth, kMaxSearchRanges).
bool parse_search_program(Reader* r, CmdSearch* cmd);

// Parses RFC 3501 date-text "d-Mon-yyyy" (day 1 or 2 digits, month name in
// any case) into days since 1970-01-01; false if malformed or not a real day.
bool parse_search_date(std::string_view text, int32_t* days);

}  // namespace loft::proto::imap

// Internal: the grammar of SORT and THREAD (RFC 5256 §4), and of the RETURN
// options of SEARCH and SORT (RFC 4731 §3.1, RFC 5182 §2.1, RFC 5267 §3.2).
#pragma once

#include <optional>

#include "protocol/imap/reader.h"
#include "protocol/imap/sort.h"

namespace loft::proto::imap {

// Reads SP "RETURN" SP "(" [opt *(SP opt)] ")" when it comes next; true and
// nothing read otherwise. False (reader error set) on an unknown option:
// RFC 4731 §3.1 answers BAD. RETURN () is RETURN (ALL).
bool parse_search_return(Reader* r, std::optional<SearchReturn>* out);

// [RETURN (...)] SP "(" sort-criteria ")" SP charset 1*(SP search-key), the
// reader just after "SORT".
bool parse_sort_args(Reader* r, CmdSort* cmd);

// SP thread-alg SP charset 1*(SP search-key), the reader just after "THREAD".
bool parse_thread_args(Reader* r, CmdThread* cmd);

}  // namespace loft::proto::imap

// Internal: the FETCH data item grammar (RFC 3501 §6.4.5 and §9 fetch-att).
#pragma once

#include <vector>

#include "protocol/imap/command.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {

// Reads ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
// at the reader's position, expanding the macros. False (with the reader's
// error set) on a syntax error.
bool parse_fetch_items(Reader* r, std::vector<FetchAtt>* items);
// Reads a section-spec (RFC 3501 §9, what goes inside "BODY[...]"; empty for
// the whole message) into att's part, text and header_fields.
bool parse_section_text(Reader* r, FetchAtt* att);

}  // namespace loft::proto::imap

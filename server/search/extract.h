// Text extraction for the search index: the grams, words and stems of a stored message,
// taken from exactly the text the plain SEARCH evaluator scans
// (proto::imap::TextScanner for BODY/TEXT, the top-level header fields for
// FROM..HEADER), so an indexed candidate set always contains the plain
// evaluator's answer (docs/search.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "base/result.h"
#include "search/index.h"

namespace loft::server::search {

// Reads [offset, offset + length) of the message (less at its end).
using ReadFn = std::function<Result<std::string>(uint64_t offset, uint64_t length)>;

// Fills *out from a message of `size` bytes whose header block is
// `header_size` bytes, read in 64 KiB pieces: memory is bounded by the
// collectors' term limits, never by the message.
Result<void> extract_terms(const ReadFn& read, uint64_t size, uint64_t header_size, loft::search::MessageTerms* out);

// The stem languages extract_terms uses (proto::imap::stem_languages()), as
// Index::prepare_stems and stems_match compare them: "english,german", or
// "none" when FUZZY compares whole words only.
std::string stem_signature();

// The folded text extract_terms sees, as "[field]\n" sections with one line
// per boundary-separated segment (for golden tests and `loftctl`).
Result<std::string> extract_text(const ReadFn& read, uint64_t size, uint64_t header_size);

}  // namespace loft::server::search

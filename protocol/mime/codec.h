// A compact, versioned binary form of a Structure, stored with the message
// body (storage BodyWriter::set_structure) so that FETCH never re-parses.
// Layout: docs/storage.md, "Message structure".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "protocol/mime/structure.h"

namespace loft::proto::mime {

// Version 2 adds the sort header (Parser::sort_header) before the parts;
// version 1 (without it) is still read.
inline constexpr uint8_t kStructureVersion = 2;

// Appends the encoding of s to out, sort_header first, so that
// structure_sort_header reads it without decoding the parts.
void encode_structure(const Structure& s, std::string* out,
                      const std::optional<std::string>& sort_header = std::nullopt);
// The sort header kept in bytes made by encode_structure: nullopt when none
// was kept (version 1, or Parser::sort_header gave none) or bytes are corrupt.
std::optional<std::string_view> structure_sort_header(std::string_view bytes);
// Decodes bytes made by encode_structure. Truncated, corrupt or unknown-version
// input gives Errc::bad_input (never a crash and never an inconsistent tree).
Result<Structure> decode_structure(std::string_view bytes);

}  // namespace loft::proto::mime

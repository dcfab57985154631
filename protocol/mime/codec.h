// A compact, versioned binary form of a Structure, stored with the message
// body (storage BodyWriter::set_structure) so that FETCH never re-parses.
// Layout: docs/storage.md, "Message structure".
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "protocol/mime/structure.h"

namespace loft::proto::mime {

inline constexpr uint8_t kStructureVersion = 1;

// Appends the encoding of s to out.
void encode_structure(const Structure& s, std::string* out);
// Decodes bytes made by encode_structure. Truncated, corrupt or unknown-version
// input gives Errc::bad_input (never a crash and never an inconsistent tree).
Result<Structure> decode_structure(std::string_view bytes);

}  // namespace loft::proto::mime

// Which bytes of a message a BODY[section] names (RFC 3501 §6.4.5), from its
// stored MIME structure: part numbers, and HEADER / TEXT / MIME /
// HEADER.FIELDS of a part, as byte ranges of the stored message.
#pragma once

#include <cstdint>
#include <optional>

#include "protocol/imap/command.h"
#include "protocol/mime/structure.h"

namespace loft::proto::imap {

struct SectionRange {
  uint64_t begin = 0;
  uint64_t end = 0;
};

// find_part's answer for a part inside a multipart that has none: it is empty
// (as in the BODYSTRUCTURE, where it is an empty text/plain).
inline constexpr uint32_t kEmptyPart = UINT32_MAX;

// The part that numbers name (each level: a child of a multipart, "1" of a
// single part, into an encapsulated message/rfc822); nullopt if none.
std::optional<uint32_t> find_part(const mime::Structure& s, const std::vector<uint32_t>& numbers);
// The range att (a part section) names; nullopt if the part does not exist.
// For header_fields / header_fields_not it is the header to filter.
std::optional<SectionRange> section_range(const mime::Structure& s, const FetchAtt& att);
// What BODY[section] (att, its partial not applied) names in a stored message
// of size bytes whose header is header_size bytes: a range of it, clipped to
// it; nullopt when the part does not exist. structure is needed (non-null)
// when att has part numbers. For HEADER.FIELDS[.NOT] it is the header to
// filter. FETCH and CATENATE's URLs (RFC 4469 §3) read sections through it.
std::optional<SectionRange> locate_section(const FetchAtt& att, uint64_t size, uint64_t header_size,
                                           const mime::Structure* structure);

}  // namespace loft::proto::imap

// Stored flag bits <-> IMAP flag names (RFC 3501 §2.3.2).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace loft::server::imap {

// Appends "(\Seen \Flagged kw1 ...)" for the stored bits and keywords, with
// \Recent when the message is recent for the session (RFC 3501 §2.3.2).
void append_flags(std::string* out, uint32_t flags, const std::vector<std::string>& keywords = {},
                  bool recent = false);
// The system flags a client may set, for FLAGS and PERMANENTFLAGS.
inline constexpr const char* kSystemFlagList = "(\\Answered \\Flagged \\Deleted \\Seen \\Draft)";

}  // namespace loft::server::imap

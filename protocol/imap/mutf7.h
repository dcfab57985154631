// Modified UTF-7 (RFC 3501 §5.1.3): the wire form of mailbox names. The store
// keeps names in UTF-8; the IMAP layer converts at the edge with these two.
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace loft::proto::imap {

// Decodes a mailbox name as sent into UTF-8. Only the canonical form is
// accepted (Errc::bad_input with a message naming the fault otherwise): bytes
// outside printable US-ASCII, a bad base64 character, an unterminated "&"
// run, printable ASCII inside a run, two adjacent runs, leftover or non-zero
// padding bits, and invalid UTF-16 (lone or reversed surrogates).
Result<std::string> mutf7_decode(std::string_view wire);

// Encodes a UTF-8 name into modified UTF-7. Invalid UTF-8 bytes become
// U+FFFD, so the result is always valid on the wire.
std::string mutf7_encode(std::string_view utf8);

// True if text is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF).
bool utf8_valid(std::string_view text);

}  // namespace loft::proto::imap

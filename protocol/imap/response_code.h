// Maps the protocol-neutral loft::Errc to IMAP tagged replies: the RFC 5530
// response code and whether the reply is NO or BAD (RFC 3501 §7.1).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"

namespace loft::proto::imap {

// RFC 5530 (and RFC 7889 TOOBIG) response code for code, without brackets,
// e.g. "NONEXISTENT". Never null.
const char* response_code(Errc code);
// True if an error of this code is answered BAD (malformed input) rather than NO.
bool answered_bad(Errc code);
// Appends "tag NO [CODE] message\r\n" (or BAD), with CR, LF and NUL in the
// message replaced by spaces so it stays one line.
void append_error_response(std::string* out, std::string_view tag, const Error& error);

}  // namespace loft::proto::imap

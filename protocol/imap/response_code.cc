// Errc -> RFC 5530 response codes and NO/BAD.
#include "protocol/imap/response_code.h"

namespace loft::proto::imap {

const char* response_code(Errc code) {
  switch (code) {
    case Errc::temp: return "UNAVAILABLE";         // RFC 5530 §3
    case Errc::not_found: return "NONEXISTENT";
    case Errc::exists: return "ALREADYEXISTS";
    case Errc::perm: return "NOPERM";
    case Errc::no_quota: return "OVERQUOTA";
    case Errc::expunged: return "EXPUNGEISSUED";
    case Errc::in_use: return "INUSE";
    case Errc::limit: return "LIMIT";
    case Errc::too_big: return "TOOBIG";          // RFC 7889 §4
    case Errc::bad_input: return "CANNOT";
    case Errc::internal: return "SERVERBUG";
  }
  return "SERVERBUG";  // an out-of-range value is a bug too
}

bool answered_bad(Errc code) {
  // RFC 3501 §7.1.3: BAD is for protocol-level errors in the client's
  // command; everything else is an operational failure, NO.
  return code == Errc::bad_input;
}

void append_error_response(std::string* out, std::string_view tag, const Error& error) {
  out->append(tag);
  out->append(answered_bad(error.code) ? " BAD [" : " NO [");
  out->append(response_code(error.code));
  out->append("] ");
  for (char c : error.message) out->push_back(c == '\r' || c == '\n' || c == '\0' ? ' ' : c);
  out->append("\r\n");
}

}  // namespace loft::proto::imap

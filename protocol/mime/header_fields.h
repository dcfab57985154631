// Values of the header fields the structure keeps (RFC 2045 §5-7, RFC 2183,
// RFC 3282, RFC 5322 §3.6), parsed the way Dovecot's lib-mail parses them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/mime/structure.h"

namespace loft::proto::mime {

struct ContentType {
  std::optional<std::string> type, subtype;  // what could be read
  std::vector<Param> params;
  uint8_t flags = 0;                          // Part::kText / kMultipart / kDigest / kMessage
  std::optional<std::string> boundary;        // multipart with a well-formed value only
};

// RFC 2045 §5.1 Content-Type.
ContentType parse_content_type(std::string_view value);
// RFC 2045 §6.1: one token and nothing else, else nullopt.
std::optional<std::string> parse_transfer_encoding(std::string_view value);
// RFC 3282 Content-Language: comma-separated atoms.
std::vector<std::string> parse_language(std::string_view value);
// RFC 2183 Content-Disposition; leaves the outputs unchanged when no token starts it.
void parse_disposition(std::string_view value, std::optional<std::string>* disposition,
                       std::vector<Param>* params);
// True if name is one of the ENVELOPE header fields (RFC 3501 §7.4.2).
bool is_envelope_field(std::string_view name);
// Stores value in the envelope slot that name designates (RFC 3501 §7.4.2,
// last occurrence wins); false if name is no envelope field.
bool apply_envelope_field(Envelope* env, std::string_view name, std::string_view value);

}  // namespace loft::proto::mime

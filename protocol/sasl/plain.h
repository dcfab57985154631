// SASL helpers shared by IMAP AUTHENTICATE and POP3 AUTH: base64 (RFC 4648
// §4) and the PLAIN mechanism (RFC 4616).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace loft::proto::sasl {

// Decodes standard base64 (padding required, no whitespace); nullopt if malformed.
std::optional<std::string> base64_decode(std::string_view in);
// Encodes bytes as standard base64 with padding.
std::string base64_encode(std::string_view in);

struct PlainCredentials {
  std::string authzid;  // empty when absent
  std::string authcid;  // the user name
  std::string password;
};
// Splits a decoded PLAIN message "authzid NUL authcid NUL passwd"; nullopt if
// it does not have exactly that shape or authcid/password is empty.
std::optional<PlainCredentials> parse_plain(std::string_view decoded);
// True when authzid is empty or names authcid itself (ASCII case-insensitive):
// Loft has no proxy authorization, so any other authzid is refused.
bool authorizes_self(const PlainCredentials& c);

}  // namespace loft::proto::sasl

// RFC 5322 §3.4 address lists as IMAP ENVELOPE shows them (RFC 3501 §7.4.2):
// mailboxes, and groups as a start marker (mailbox = group name, no domain)
// and an end marker (all fields absent). Broken input is repaired the way
// Dovecot does (MISSING_MAILBOX, MISSING_DOMAIN, SYNTAX_ERROR, INVALID_ROUTE).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::mime {

struct Address {
  std::optional<std::string> name, route, mailbox, domain;
};

// Parses an unfolded address header value; empty when it holds no address.
std::vector<Address> parse_address_list(std::string_view value);

}  // namespace loft::proto::mime

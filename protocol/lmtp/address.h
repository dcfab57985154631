// Recipient addresses: which account a RCPT TO path names, and whether its
// domain is one we deliver for. Names are case-insensitive in Loft, so both
// parts come out lower-cased (RFC 5321 §2.4 lets the receiving host decide).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::lmtp {

struct Address {
  std::string local;   // lower-case, quotes and quoted-pair escapes removed
  std::string domain;  // lower-case, no trailing dot; empty for a bare name
  std::string local_as_sent;  // local, case kept (a +detail names a folder)
};

// A local part split at its first subaddress separator (RFC 5233 §1):
// "alice+lists" -> user "alice", detail "lists". separators lists the
// characters that count (Dovecot's recipient_delimiter); empty: none.
struct LocalPart {
  std::string user;    // lower-case
  std::string detail;  // as sent (folder names are case-sensitive); may be empty
  bool has_detail = false;
};
LocalPart split_detail(const Address& address, std::string_view separators);

// Splits a mailbox as found in Command::path ("Alice@Example.org",
// "\"a b\"@x", "postmaster") at its last '@' outside quotes.
Address split_address(std::string_view mailbox);

// True when the address has no domain, or its domain is in local_domains
// (which Config already lower-cases).
bool is_local(const Address& address, const std::vector<std::string>& local_domains);

// The account a recipient names when it is local, otherwise nullopt.
std::optional<std::string> local_account(std::string_view mailbox, const std::vector<std::string>& local_domains);

}  // namespace loft::proto::lmtp

#include "protocol/lmtp/address.h"

#include <utility>

#include "base/bytes.h"

namespace loft::proto::lmtp {

Address split_address(std::string_view mailbox) {
  Address a;
  size_t i = 0;
  if (!mailbox.empty() && mailbox.front() == '"') {  // RFC 5321 §4.1.2 Quoted-string
    for (i = 1; i < mailbox.size() && mailbox[i] != '"'; ++i) {
      if (mailbox[i] == '\\' && i + 1 < mailbox.size()) ++i;  // quoted-pairSMTP
      a.local.push_back(mailbox[i]);
    }
    if (i < mailbox.size()) ++i;  // the closing quote
    size_t at = mailbox.find('@', i);
    if (at != std::string_view::npos) a.domain = std::string(mailbox.substr(at + 1));
  } else {
    size_t at = mailbox.rfind('@');
    a.local = std::string(mailbox.substr(0, at));
    if (at != std::string_view::npos) a.domain = std::string(mailbox.substr(at + 1));
  }
  if (!a.domain.empty() && a.domain.back() == '.') a.domain.pop_back();
  a.local_as_sent = a.local;
  a.local = ascii_lower(a.local);
  a.domain = ascii_lower(a.domain);
  return a;
}

LocalPart split_detail(const Address& address, std::string_view separators) {
  LocalPart p;
  size_t at = separators.empty() ? std::string_view::npos : address.local_as_sent.find_first_of(separators);
  // A separator first ("+x@") names no user: the whole local part is the user.
  if (at == std::string::npos || at == 0) {
    p.user = address.local;
    return p;
  }
  p.user = ascii_lower(std::string_view(address.local_as_sent).substr(0, at));
  p.detail = address.local_as_sent.substr(at + 1);
  p.has_detail = true;
  return p;
}

bool is_local(const Address& address, const std::vector<std::string>& local_domains) {
  if (address.domain.empty()) return true;
  for (const auto& d : local_domains)
    if (iequals(d, address.domain)) return true;
  return false;
}

std::optional<std::string> local_account(std::string_view mailbox, const std::vector<std::string>& local_domains) {
  Address a = split_address(mailbox);
  if (a.local.empty() || !is_local(a, local_domains)) return std::nullopt;
  return std::move(a.local);
}

}  // namespace loft::proto::lmtp

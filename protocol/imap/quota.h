// The QUOTA extension (RFC 9208): the GETQUOTA, GETQUOTAROOT and SETQUOTA
// commands, their argument parsers and the untagged QUOTA and QUOTAROOT
// responses. Resource names stay as sent (upper-cased); the server decides
// which it supports (STORAGE, MESSAGE).
#pragma once

#include "protocol/imap/mailbox_name.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loft::proto::imap {

class Reader;

// RFC 9208 §4.1.1: GETQUOTA SP quota-root-name (an astring).
struct CmdGetQuota {
  std::string root;
};
// RFC 9208 §4.1.2: GETQUOTAROOT SP mailbox (kept as sent, modified UTF-7).
struct CmdGetQuotaRoot {
  std::string mailbox;
};
// RFC 9208 §4.1.3: SETQUOTA SP quota-root-name SP "(" [name SP limit *(SP name SP limit)] ")".
struct CmdSetQuota {
  std::string root;
  std::vector<std::pair<std::string, uint64_t>> limits;  // upper-cased resource name, number64
};

// Parsers called from parse_command's table, the reader just after the name.
bool parse_getquota(Reader* r, CmdGetQuota* out);
bool parse_getquotaroot(Reader* r, CmdGetQuotaRoot* out);
bool parse_setquota(Reader* r, CmdSetQuota* out);

// Resources named in one SETQUOTA: RFC 9208 defines four; a longer list is abuse.
inline constexpr size_t kMaxSetQuotaResources = 16;

// One resource of a QUOTA response: usage and limit in the resource's units
// (STORAGE in 1024-octet units, RFC 9208 §5.1).
struct QuotaResource {
  std::string_view name;
  uint64_t usage = 0;
  uint64_t limit = 0;
};

// "* QUOTA root (NAME usage limit ...)" (RFC 9208 §4.2.1). resources must not
// be empty (quota-list has at least one quota-resource).
struct QuotaResponse {
  std::string_view root;
  std::span<const QuotaResource> resources;
  void serialize(std::string* out) const;
};

// "* QUOTAROOT mailbox *(SP root)" (RFC 9208 §4.2.2); mailbox is UTF-8 and
// leaves in modified UTF-7 (UTF-8 for a UTF8=ACCEPT session, RFC 6855 §3).
struct QuotaRootResponse {
  std::string_view mailbox;
  std::span<const std::string> roots;
  NameForm form = NameForm::mutf7;
  void serialize(std::string* out) const;
};

}  // namespace loft::proto::imap

// Typed untagged responses of the mailbox commands: LIST/LSUB/XLIST (RFC
// 3501 §7.2.2, RFC 5258 §6), STATUS (§7.2.4), NAMESPACE (RFC 2342 §5), ID
// (RFC 2971 §3.2) and ENABLED (RFC 5161 §3.2). Names are UTF-8 here and
// leave in modified UTF-7, or in UTF-8 for a UTF8=ACCEPT session (RFC 6855 §3).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/imap/mailbox_commands.h"
#include "protocol/imap/mailbox_list.h"
#include "protocol/imap/mailbox_name.h"

namespace loft::proto::imap {

// The RFC 6154 attribute of one SpecialUseBit, e.g. "\Drafts".
const char* special_use_name(uint32_t bit);
// The SpecialUseBit of an attribute as sent (case-insensitive), or 0.
uint32_t special_use_from_name(std::string_view attr);

// "* LIST (attrs) "/" name [("CHILDINFO" ("SUBSCRIBED"))]"; keyword is LSUB
// or XLIST for those commands. XLIST writes Gmail's attribute names
// (\Inbox, \AllMail, \Spam, \Starred).
struct ListResponse {
  CmdList::Kind kind = CmdList::Kind::list;
  const ListItem* item = nullptr;
  NameForm form = NameForm::mutf7;
  void serialize(std::string* out) const;
};

// "* STATUS name (MESSAGES n ...)", the items in the order asked.
struct MailboxStatus {
  uint32_t messages = 0;
  uint32_t recent = 0;
  uint32_t uidnext = 0;
  uint32_t uidvalidity = 0;
  uint32_t unseen = 0;
  uint64_t highestmodseq = 0;
  uint64_t size = 0;             // RFC 8438 §3: sum of RFC822.SIZE
  uint32_t deleted = 0;          // RFC 9208 §4.3: messages with \Deleted
  uint64_t deleted_storage = 0;  // RFC 9208 §4.3: their RFC822.SIZE sum
  uint64_t appendlimit = 0;      // RFC 7889 §3: 0 is sent as NIL (no limit)
  std::string mailboxid = {};    // RFC 8474 §4.2: sent as "MAILBOXID (id)"
};
struct StatusDataResponse {
  std::string_view name;  // UTF-8
  std::span<const CmdStatus::Item> items;
  MailboxStatus status;
  NameForm form = NameForm::mutf7;
  void serialize(std::string* out) const;
};

// "* NAMESPACE (("" "/")) NIL NIL": one personal namespace, no others.
struct NamespaceResponse {
  void serialize(std::string* out) const;
};

// "* ID ("name" "Loft" ...)" or "* ID NIL" when fields is empty.
struct IdResponse {
  std::span<const std::pair<std::string, std::string>> fields;
  void serialize(std::string* out) const;
};

// "* ENABLED cap..." (RFC 5161 §3.2), possibly with no capability.
struct EnabledResponse {
  std::span<const std::string> capabilities;
  void serialize(std::string* out) const;
};

}  // namespace loft::proto::imap

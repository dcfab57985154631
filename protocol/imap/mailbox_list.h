// What LIST, LSUB and XLIST answer (RFC 3501 §6.3.8/§6.3.9, RFC 5258, RFC
// 6154, RFC 3348 CHILDREN), computed from the account's mailboxes and
// subscriptions; pure, so every rule is unit-tested without a store.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/mailbox_commands.h"

namespace loft::proto::imap {

// One existing mailbox as the store knows it (UTF-8 name, SpecialUseBit set).
struct MailboxEntry {
  std::string name;
  uint32_t special_use = 0;
};

// Mailbox name attributes (RFC 3501 §7.2.2, RFC 3348, RFC 5258 §3.4).
enum ListAttr : uint32_t {
  kAttrNoselect = 1u << 0,
  kAttrNonExistent = 1u << 1,  // RFC 5258: implies \Noselect
  kAttrHasChildren = 1u << 2,
  kAttrHasNoChildren = 1u << 3,
  kAttrSubscribed = 1u << 4,
};

// One line of the answer, before encoding.
struct ListItem {
  std::string name;          // UTF-8, '/'-separated
  uint32_t attrs = 0;        // ListAttr bits
  uint32_t special_use = 0;  // SpecialUseBit set to show
  bool childinfo_subscribed = false;  // RFC 5258 §3.5 CHILDINFO ("SUBSCRIBED")
  bool is_inbox = false;     // XLIST shows \Inbox
};

// The answer to cmd for the decoded patterns (decode_list_pattern), in a
// stable order: INBOX first, then by name. An empty pattern is not handled
// here (the delimiter query, see list_root).
std::vector<ListItem> list_mailboxes(const CmdList& cmd, std::span<const std::string> patterns,
                                     std::span<const MailboxEntry> mailboxes,
                                     std::span<const std::string> subscriptions);

// \HasChildren or \HasNoChildren for the existing mailbox name, as a LIST
// without options shows it (RFC 3348): the attributes of the LIST that
// SELECT and EXAMINE send an IMAP4rev2 session (RFC 9051 §6.3.2), with the
// special-use ones.
uint32_t mailbox_children_attr(std::string_view name, std::span<const MailboxEntry> mailboxes);

// RFC 3501 §6.3.8: the root name answered to LIST reference "": the
// reference up to and including its first delimiter ("" if it has none).
std::string list_root(std::string_view reference);

}  // namespace loft::proto::imap

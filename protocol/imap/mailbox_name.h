// Mailbox names at the IMAP edge: the wire form is modified UTF-7 (RFC 3501
// §5.1.3), the store's form is UTF-8 with '/' between levels (§5.1.1) and
// "INBOX" always written in upper case (§5.1: INBOX is case-insensitive).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::proto::imap {

// The hierarchy delimiter Loft announces in LIST and NAMESPACE.
inline constexpr char kDelimiter = '/';
// Longest decoded name (UTF-8 bytes) and deepest hierarchy a client may use;
// longer names are refused before they reach the store.
inline constexpr size_t kMaxMailboxName = 512;
inline constexpr size_t kMaxMailboxDepth = 32;
// Longest decoded LIST reference plus pattern (the matcher's cost is linear in it).
inline constexpr size_t kMaxListPattern = 1024;

// A name as sent (SELECT, DELETE, STATUS, ...) in the store's form, or
// Errc::bad_input with the reason: invalid modified UTF-7, a control
// character (NUL, CR, LF, ...), longer than kMaxMailboxName.
Result<std::string> decode_mailbox_name(std::string_view wire);

// A name a client wants to bring into existence (CREATE, RENAME's target):
// decode_mailbox_name, then one trailing delimiter is dropped (RFC 3501
// §6.3.3), and empty levels, the wildcards '*' and '%' and more than
// kMaxMailboxDepth levels are refused.
Result<std::string> decode_new_mailbox_name(std::string_view wire);

// reference and pattern of LIST/LSUB (RFC 3501 §6.3.8), decoded and joined;
// bounded by kMaxListPattern.
Result<std::string> decode_list_pattern(std::string_view reference, std::string_view pattern);

// The proper superiors of a name, outermost first: "a/b/c" -> {"a", "a/b"}.
std::vector<std::string> superior_names(std::string_view name);

// "INBOX" or "INBOX/..." in any case is written "INBOX..."; other names unchanged.
std::string canonical_inbox(std::string name);

}  // namespace loft::proto::imap

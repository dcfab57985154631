// Mailbox names at the IMAP edge: the wire form is modified UTF-7 (RFC 3501
// §5.1.3), the store's form is UTF-8 with '/' between levels (§5.1.1) and
// "INBOX" always written in upper case (§5.1: INBOX is case-insensitive).
#pragma once

#include <cstdint>
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

// How names travel: modified UTF-7 (RFC 3501 §5.1.3), or UTF-8 once the
// client sent ENABLE UTF8=ACCEPT (RFC 6855 §3) or IMAP4rev2 (RFC 9051 §5.1).
enum class NameForm : uint8_t { mutf7, utf8 };

// A name as sent (SELECT, DELETE, STATUS, ...) in the store's form, or
// Errc::bad_input with the reason: invalid modified UTF-7 (form mutf7) or
// UTF-8 (form utf8), a control character (NUL, CR, LF, ...; in UTF-8 also
// U+0080..U+009F, U+2028, U+2029 per RFC 6855 §3), longer than kMaxMailboxName.
Result<std::string> decode_mailbox_name(std::string_view wire, NameForm form = NameForm::mutf7);

// The wire form of a stored (UTF-8) name.
std::string encode_mailbox_name(std::string_view utf8, NameForm form);
// Appends a stored name as an astring in form: a UTF-8 name goes as a quoted
// string with 8-bit bytes (RFC 6855 §3 utf8-quoted) only in form utf8.
void append_mailbox_name(std::string* out, std::string_view utf8, NameForm form);

// A name a client wants to bring into existence (CREATE, RENAME's target):
// decode_mailbox_name, then one trailing delimiter is dropped (RFC 3501
// §6.3.3), and empty levels, the wildcards '*' and '%' and more than
// kMaxMailboxDepth levels are refused.
Result<std::string> decode_new_mailbox_name(std::string_view wire, NameForm form = NameForm::mutf7);

// True if the UTF-8 name is in Unicode Normalization Form C, as Net-Unicode
// (RFC 5198 §2) requires. RFC 9051 §5.1: an IMAP4rev2 server MUST refuse to
// create an 8-bit name that is not Net-Unicode (or convert it; Loft refuses,
// so never has to report an OLDNAME). Precondition: valid UTF-8.
bool is_nfc(std::string_view utf8);

// reference and pattern of LIST/LSUB (RFC 3501 §6.3.8), decoded and joined;
// bounded by kMaxListPattern.
Result<std::string> decode_list_pattern(std::string_view reference, std::string_view pattern,
                                       NameForm form = NameForm::mutf7);

// The proper superiors of a name, outermost first: "a/b/c" -> {"a", "a/b"}.
std::vector<std::string> superior_names(std::string_view name);

// "INBOX" or "INBOX/..." in any case is written "INBOX..."; other names unchanged.
std::string canonical_inbox(std::string name);

}  // namespace loft::proto::imap

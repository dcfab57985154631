// RFC 6855 (UTF8=ACCEPT) rules that are not about mailbox names (those are in
// mailbox_name.h): the charset label of SEARCH, SORT and THREAD.
#pragma once

#include <optional>
#include <string_view>

namespace loft::proto::imap {

// RFC 6855 §3 and its erratum 4029: once UTF8=ACCEPT is enabled, a SEARCH
// (optional charset) must name no charset, and SORT/THREAD (mandatory
// charset) must name UTF-8; true when the command breaks this and is BAD.
bool utf8_accept_charset_conflict(std::optional<std::string_view> charset, bool mandatory);

// RFC 6855 §4: append-data =/ "UTF8" SP "(" literal8 ")". head is an APPEND
// line up to the "~" of its literal8; when it ends with SP "UTF8" SP "(" (any
// case) "UTF8 (" is cut off (the SP stays) and true returned, so the rest parses as a
// plain APPEND whose message is the literal8 and whose line ends with ")".
bool strip_utf8_data_item(std::string_view* head);

}  // namespace loft::proto::imap

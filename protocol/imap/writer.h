// Helpers to build IMAP response bytes (RFC 3501 §7 and §9 grammar). They
// only append to a std::string; the server decides when to send it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace loft::proto::imap {

// Longest string append_string sends quoted; longer ones go as literals.
inline constexpr size_t kMaxQuoted = 256;

// True if s may be sent as a quoted string: 7-bit, no NUL, CR or LF (RFC 3501 §9 QUOTED-CHAR).
bool quotable(std::string_view s);
// Appends "s" with \ and " escaped. Precondition: quotable(s).
void append_quoted(std::string* out, std::string_view s);
// Appends the literal header "{size}\r\n"; the caller appends the bytes.
void append_literal_header(std::string* out, uint64_t size);
// Appends s as a quoted string if quotable and at most kMaxQuoted long, else as a literal.
void append_string(std::string* out, std::string_view s);
// Appends s as an atom when possible (non-empty ASTRING-CHARs, not "NIL"), else as append_string.
void append_astring(std::string* out, std::string_view s);
// Appends NIL for nullopt, else append_string(s) (RFC 3501 §9 nstring).
void append_nstring(std::string* out, std::optional<std::string_view> s);
// Appends "(" flags joined by SP ")"; flags are atoms or "\"atom, written as given.
void append_flag_list(std::string* out, std::span<const std::string_view> flags);

// RFC 3501 §9 date-time without the quotes: "17-Jul-1996 02:44:25 -0700",
// with the day padded by a space ("date-day-fixed"). The time shown is
// unix_seconds in the zone tz_offset_minutes east of UTC.
std::string format_internal_date(int64_t unix_seconds, int tz_offset_minutes);

}  // namespace loft::proto::imap

// Header fields for SEARCH (RFC 3501 §6.4.4 header keys and SENT*): the
// fields of a header block, unfolded (RFC 5322 §2.2.3), their values decoded
// (RFC 2047, charsets to UTF-8) and case-folded on first use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

// One header field: the name as written, the value after the colon unfolded
// (line breaks removed) with surrounding white space trimmed.
struct HeaderField {
  std::string name;
  std::string value;
};

// Every field of a header block, in order. Lenient: a line without a colon
// is skipped, a block without its blank line ends where the input ends.
std::vector<HeaderField> parse_header_fields(std::string_view block);

// The fields of one message's header, searchable by name.
class HeaderSearch {
 public:
  explicit HeaderSearch(std::string_view block);
  // True if a field named `name` (any case) exists whose decoded value
  // contains folded_needle (already case-folded); an empty needle matches
  // any such field.
  bool contains(std::string_view name, std::string_view folded_needle);
  // The Date: field's day as written (RFC 5322 §3.3), nullopt if absent or unreadable.
  std::optional<int32_t> date_day() const;
  // The decoded, case-folded values of every field named `name` (any case), in order.
  std::vector<std::string> folded_values(std::string_view name);

 private:
  std::vector<HeaderField> fields_;
  std::vector<std::optional<std::string>> folded_;  // decoded + folded values, cached
};

// The day (days since 1970-01-01) of an RFC 5322 date-time as written,
// ignoring time and zone; lenient about the day name, obsolete two-digit
// years (RFC 5322 §4.3) and comments. nullopt if no day, month and year are found.
std::optional<int32_t> parse_rfc5322_day(std::string_view value);

}  // namespace loft::proto::imap

// IMAP sequence sets (RFC 3501 §9, "sequence-set"): "1:4,7,9:*".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

// Stands for "*" (the largest number in use) until resolved.
inline constexpr uint32_t kStar = UINT32_MAX;

// A byte that can occur in a sequence-set's text (digits, ":", ",", "*"): the
// parsers read such a run before parsing it.
constexpr bool is_seqset_char(unsigned char c) {
  return (c >= '0' && c <= '9') || c == ':' || c == ',' || c == '*';
}

// One range lo:hi as written (either may be kStar; lo may exceed hi).
struct SeqRange {
  uint32_t lo = 0;
  uint32_t hi = 0;
};

struct SeqSet {
  std::vector<SeqRange> ranges;
  // RFC 5182 §3 seq-last-command "$": the session's saved search result
  // (UIDs) stands for the set; ranges is empty. The server expands it.
  bool last_result = false;
  // The ranges are ascending, disjoint and without "*" (from_ascending), so
  // contains() is a binary search: "$" may hold a whole mailbox's UIDs.
  bool ascending = false;

  // Most ranges one set may hold: a bound on what one command may make the
  // server resolve (10,000 ranges cover any real client's UID list).
  static constexpr size_t kMaxRanges = 10000;
  // True if text has more than max_ranges comma-separated ranges, so a
  // failed parse can be answered "too many" rather than "invalid".
  static bool too_many_ranges(std::string_view text, size_t max_ranges = kMaxRanges);

  // Parses the RFC 3501 grammar; nullopt on any syntax error, a zero, or more
  // than max_ranges ranges.
  static std::optional<SeqSet> parse(std::string_view text, size_t max_ranges = kMaxRanges);
  // True if n is in the set once "*" means largest. (For UID sets, largest is
  // the highest UID in the mailbox.) False for 0 and for n > largest.
  bool contains(uint32_t n, uint32_t largest) const;
  // Sorted, merged, non-overlapping ranges with "*" replaced by largest and
  // each range normalised so lo <= hi, then clipped to 1..largest (so "5:*"
  // with largest 3 is 3:3, RFC 3501 §6.4.8). Empty when largest is 0.
  std::vector<SeqRange> resolve(uint32_t largest) const;
  // The largest explicit number in the set ("*" ignored; 0 if none), so the
  // server can reject message sequence numbers above EXISTS (RFC 3501 §9).
  uint32_t max_number() const;
  // The set of the given ascending numbers, consecutive runs as ranges
  // (no range at all for none: a set nothing is in).
  static SeqSet from_ascending(std::span<const uint32_t> numbers);
  // Canonical text form, e.g. "1:4,7,9:*" ("$" for last_result).
  std::string to_string() const;
};

}  // namespace loft::proto::imap

// IMAP sequence sets: parse, resolve, membership and canonical text.
#include "protocol/imap/seqset.h"

#include <algorithm>
#include <iterator>

namespace loft::proto::imap {
namespace {

// RFC 3501 §9: seq-number = nz-number / "*"; nz-number = digit-nz *DIGIT,
// at most 4294967295. The explicit value 4294967295 equals kStar, which is
// harmless: clients send "1:4294967295" meaning "all".
bool parse_seq_number(std::string_view s, uint32_t* out) {
  if (s == "*") {
    *out = kStar;
    return true;
  }
  if (s.empty() || s.size() > 10 || s[0] < '1' || s[0] > '9') return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > UINT32_MAX) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// Replaces "*" by largest and orders the ends.
SeqRange normalise(SeqRange r, uint32_t largest) {
  uint32_t lo = r.lo == kStar ? largest : r.lo;
  uint32_t hi = r.hi == kStar ? largest : r.hi;
  if (lo > hi) std::swap(lo, hi);
  return {lo, hi};
}

void append_number(std::string* out, uint32_t n) {
  if (n == kStar) {
    out->push_back('*');
  } else {
    out->append(std::to_string(n));
  }
}

}  // namespace

bool SeqSet::too_many_ranges(std::string_view text, size_t max_ranges) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), ',')) >= max_ranges;
}

std::optional<SeqSet> SeqSet::parse(std::string_view text, size_t max_ranges) {
  SeqSet set;
  if (text.empty()) return std::nullopt;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view item = text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                : comma - start);
    if (set.ranges.size() >= max_ranges) return std::nullopt;
    SeqRange r;
    size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      if (!parse_seq_number(item, &r.lo)) return std::nullopt;
      r.hi = r.lo;
    } else if (!parse_seq_number(item.substr(0, colon), &r.lo) ||
               !parse_seq_number(item.substr(colon + 1), &r.hi)) {
      return std::nullopt;  // also catches "1:2:3" (the hi part has a colon)
    }
    set.ranges.push_back(r);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return set;
}

bool SeqSet::contains(uint32_t n, uint32_t largest) const {
  if (n == 0 || n > largest) return false;
  if (ascending) {
    auto it = std::upper_bound(ranges.begin(), ranges.end(), n, [](uint32_t v, const SeqRange& r) { return v < r.lo; });
    return it != ranges.begin() && n <= std::prev(it)->hi;
  }
  for (const SeqRange& raw : ranges) {
    SeqRange r = normalise(raw, largest);
    if (n >= r.lo && n <= r.hi) return true;
  }
  return false;
}

std::vector<SeqRange> SeqSet::resolve(uint32_t largest) const {
  std::vector<SeqRange> out;
  if (largest == 0) return out;
  out.reserve(ranges.size());
  for (const SeqRange& raw : ranges) {
    SeqRange r = normalise(raw, largest);
    // RFC 3501 §6.4.8: "559:*" includes the last message even when 559 is
    // above it; normalising first and clipping after gives exactly that.
    if (r.lo > largest) continue;
    r.hi = std::min(r.hi, largest);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end(), [](const SeqRange& a, const SeqRange& b) { return a.lo < b.lo; });
  std::vector<SeqRange> merged;
  for (const SeqRange& r : out) {
    // Adjacent ranges merge too (1:3,4:5 -> 1:5); hi + 1 cannot overflow
    // because hi <= largest < UINT32_MAX or the check short-circuits.
    if (!merged.empty() && (merged.back().hi == UINT32_MAX || r.lo <= merged.back().hi + 1)) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  return merged;
}

uint32_t SeqSet::max_number() const {
  uint32_t m = 0;
  for (const SeqRange& r : ranges) {
    if (r.lo != kStar) m = std::max(m, r.lo);
    if (r.hi != kStar) m = std::max(m, r.hi);
  }
  return m;
}

SeqSet SeqSet::from_ascending(std::span<const uint32_t> numbers) {
  SeqSet set;
  set.ascending = true;
  for (uint32_t n : numbers) {
    if (!set.ranges.empty() && set.ranges.back().hi + 1 == n) set.ranges.back().hi = n;
    else set.ranges.push_back({n, n});
  }
  return set;
}

std::string SeqSet::to_string() const {
  if (last_result) return "$";
  std::string out;
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (i > 0) out.push_back(',');
    append_number(&out, ranges[i].lo);
    if (ranges[i].hi != ranges[i].lo) {
      out.push_back(':');
      append_number(&out, ranges[i].hi);
    }
  }
  return out;
}

}  // namespace loft::proto::imap

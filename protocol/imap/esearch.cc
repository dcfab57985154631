// RFC 4731 §3.1 ESEARCH response serialization.
#include "protocol/imap/esearch.h"

#include <algorithm>

#include "protocol/imap/writer.h"

namespace loft::proto::imap {

std::string compact_set(std::span<const uint32_t> numbers) {
  std::string out;
  size_t i = 0;
  while (i < numbers.size()) {
    size_t j = i;
    while (j + 1 < numbers.size() && numbers[j + 1] == numbers[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += std::to_string(numbers[i]);
    if (j > i) {
      out.push_back(':');
      out += std::to_string(numbers[j]);
    }
    i = j + 1;
  }
  return out;
}

std::pair<size_t, size_t> PartialRange::window(size_t n) const {
  uint64_t a = static_cast<uint64_t>(lo < 0 ? -lo : lo), b = static_cast<uint64_t>(hi < 0 ? -hi : hi);
  if (a > b) std::swap(a, b);  // RFC 9394 §3: 500:400 is 400:500, -1:-100 is -100:-1
  if (a == 0 || a > n) return {n, n};
  if (lo > 0) return {static_cast<size_t>(a - 1), static_cast<size_t>(std::min<uint64_t>(b, n))};
  // From the end: -a is the a-th last, -b the b-th last (or the first).
  return {static_cast<size_t>(n - std::min<uint64_t>(b, n)), static_cast<size_t>(n - a + 1)};
}

std::string PartialRange::to_string() const {
  // Smaller magnitude first (500:400 -> 400:500, -100:-1 -> -1:-100), as RFC
  // 9394's examples and Dovecot answer.
  bool swap = lo < 0 ? lo < hi : lo > hi;
  int64_t a = swap ? hi : lo, b = swap ? lo : hi;
  return std::to_string(a) + ":" + std::to_string(b);
}

namespace {

// A sequence-set in the given order (ESORT), or ascending.
std::string ordered_set(std::span<const uint32_t> numbers, bool keep_order) {
  if (keep_order) return compact_set(numbers);
  std::vector<uint32_t> sorted(numbers.begin(), numbers.end());
  std::sort(sorted.begin(), sorted.end());
  return compact_set(sorted);
}

}  // namespace

void EsearchResponse::serialize(std::string* out) const {
  // esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
  out->append("* ESEARCH (TAG ");
  append_quoted(out, tag);
  out->push_back(')');
  if (uid) out->append(" UID");
  if (min) out->append(" MIN ").append(std::to_string(*min));
  if (max) out->append(" MAX ").append(std::to_string(*max));
  if (all && !all->empty()) out->append(" ALL ").append(ordered_set(*all, keep_order));
  if (partial) {
    // RFC 9394 §3: "PARTIAL" SP "(" partial-range SP (sequence-set / "NIL") ")".
    out->append(" PARTIAL (").append(partial->range.to_string()).push_back(' ');
    out->append(partial->numbers.empty() ? "NIL" : ordered_set(partial->numbers, keep_order)).push_back(')');
  }
  if (count) out->append(" COUNT ").append(std::to_string(*count));
  for (const std::string& e : extra) out->append(" ").append(e);
  for (const UpdateItem& u : updates) {
    // RFC 5267 §5: "ADDTO"/"REMOVEFROM" SP "(" context-position SP sequence-set
    // *(SP context-position SP sequence-set) ")"; the set keeps the requested
    // order, merging only ascending runs (§3.2).
    out->append(u.add ? " ADDTO (" : " REMOVEFROM (");
    for (size_t i = 0; i < u.pairs.size(); ++i) {
      if (i > 0) out->push_back(' ');
      out->append(std::to_string(u.pairs[i].first)).push_back(' ');
      out->append(compact_set(u.pairs[i].second));
    }
    out->push_back(')');
  }
  out->append("\r\n");
}

EsearchResponse make_esearch(const std::string& tag, bool uid, const SearchReturn& o,
                             std::span<const uint32_t> matches, bool sorted_ascending) {
  EsearchResponse r;
  r.tag = tag;
  r.uid = uid;
  r.keep_order = !sorted_ascending;
  if (!matches.empty()) {
    // For SEARCH MIN/MAX are the lowest and highest numbers; for ESORT the
    // first and last in sort order (RFC 5267 §3.2).
    if (o.min) r.min = sorted_ascending ? *std::min_element(matches.begin(), matches.end()) : matches.front();
    if (o.max) r.max = sorted_ascending ? *std::max_element(matches.begin(), matches.end()) : matches.back();
    if (o.all) r.all.emplace(matches.begin(), matches.end());
  }
  if (o.partial) {
    auto [first, last] = o.partial->window(matches.size());
    r.partial.emplace();
    r.partial->range = *o.partial;
    r.partial->numbers.assign(matches.begin() + static_cast<std::ptrdiff_t>(first),
                              matches.begin() + static_cast<std::ptrdiff_t>(last));
  }
  if (o.count) r.count = static_cast<uint32_t>(matches.size());
  return r;
}

}  // namespace loft::proto::imap

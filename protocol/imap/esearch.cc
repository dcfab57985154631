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

void EsearchResponse::serialize(std::string* out) const {
  // esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
  out->append("* ESEARCH (TAG ");
  append_quoted(out, tag);
  out->push_back(')');
  if (uid) out->append(" UID");
  if (min) out->append(" MIN ").append(std::to_string(*min));
  if (max) out->append(" MAX ").append(std::to_string(*max));
  if (all && !all->empty()) {
    out->append(" ALL ");
    if (keep_order) {
      out->append(compact_set(*all));
    } else {
      std::vector<uint32_t> sorted = *all;
      std::sort(sorted.begin(), sorted.end());
      out->append(compact_set(sorted));
    }
  }
  if (count) out->append(" COUNT ").append(std::to_string(*count));
  for (const std::string& e : extra) out->append(" ").append(e);
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
  if (o.count) r.count = static_cast<uint32_t>(matches.size());
  return r;
}

}  // namespace loft::proto::imap

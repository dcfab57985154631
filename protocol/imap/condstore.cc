// RFC 7162 responses: VANISHED (§3.2.10, §7), the MODIFIED code's set
// (§3.1.3) and SEARCH with MODSEQ (§3.1.5).
#include "protocol/imap/condstore.h"

namespace loft::proto::imap {
namespace {

// Ascending numbers as "a:b,c" (runs of consecutive numbers joined).
void append_runs(std::string* out, std::span<const uint32_t> n) {
  for (size_t i = 0; i < n.size();) {
    size_t j = i;
    while (j + 1 < n.size() && n[j + 1] == n[j] + 1) ++j;
    if (i) *out += ',';
    *out += std::to_string(n[i]);
    if (j > i) *out += ':' + std::to_string(n[j]);
    i = j + 1;
  }
}

}  // namespace

void VanishedResponse::serialize(std::string* out) const {
  if (uids.empty()) return;  // §7: known-uids is never empty
  *out += earlier ? "* VANISHED (EARLIER) " : "* VANISHED ";
  append_runs(out, uids);
  *out += "\r\n";
}

void ModseqFetchResponse::serialize(std::string* out) const {
  *out += "* " + std::to_string(seq) + " FETCH (";
  if (uid) *out += "UID " + std::to_string(*uid) + " ";
  *out += "MODSEQ (" + std::to_string(modseq) + "))\r\n";
}

std::string modified_code_arg(std::span<const uint32_t> numbers) {
  std::string out;
  append_runs(&out, numbers);
  return out;
}

bool search_uses_modseq(const SearchKey& key) {
  if (key.kind == SearchKey::Kind::modseq) return true;
  for (const SearchKey& c : key.children)
    if (search_uses_modseq(c)) return true;
  return false;
}

void append_search_modseq_response(std::string* out, std::span<const uint32_t> numbers, uint64_t highest) {
  *out += "* SEARCH";
  for (uint32_t n : numbers) *out += ' ' + std::to_string(n);
  // §3.1.5: "(MODSEQ n)" only when something matched.
  if (!numbers.empty()) *out += " (MODSEQ " + std::to_string(highest) + ")";
  *out += "\r\n";
}

}  // namespace loft::proto::imap

// RFC 5182 SEARCHRES: expanding "$" and choosing what SAVE keeps (search_res.h).
#include "server/imap/search_res.h"

#include <algorithm>

namespace loft::server::imap {

namespace pi = proto::imap;

pi::SeqSet saved_uid_set(const ImapSession::Selected& sel) {
  return pi::SeqSet::from_ascending(sel.search_result);
}

pi::SeqSet expand_last_result(const ImapSession::Selected& sel, const pi::SeqSet& set, bool* by_uid) {
  if (!set.last_result) return set;
  *by_uid = true;
  return saved_uid_set(sel);
}

void expand_last_result(const ImapSession::Selected& sel, pi::SearchKey* key) {
  using K = pi::SearchKey::Kind;
  if ((key->kind == K::seqset || key->kind == K::uid) && key->set.last_result) {
    // RFC 5182 §2.1: "SEARCH $" and "SEARCH UID $" both mean the saved messages.
    key->kind = K::uid;
    key->set = saved_uid_set(sel);
  }
  for (pi::SearchKey& child : key->children) expand_last_result(sel, &child);
}

std::vector<uint32_t> saved_subset(const pi::SearchReturn& ret, std::span<const uint32_t> uids) {
  std::vector<uint32_t> out;
  if ((ret.min || ret.max || ret.partial) && !ret.all && !ret.count) {
    // §2.1: MIN/MAX alone save just the message(s) they report; so does
    // PARTIAL (RFC 9394), the messages of its window.
    if (!uids.empty()) {
      if (ret.min) out.push_back(uids.front());
      if (ret.max) out.push_back(uids.back());
    }
    if (ret.partial) {
      auto [first, last] = ret.partial->window(uids.size());
      out.insert(out.end(), uids.begin() + static_cast<std::ptrdiff_t>(first),
                 uids.begin() + static_cast<std::ptrdiff_t>(last));
    }
  } else {
    out.assign(uids.begin(), uids.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace loft::server::imap

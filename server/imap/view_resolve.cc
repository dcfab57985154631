// MailboxView: sequence sets to (seq, UID) pairs in the client's numbering
// (RFC 3501 §6.4.8, §9 sequence-set).
#include <algorithm>

#include "server/imap/mailbox_view.h"

namespace loft::server::imap {

namespace pi = proto::imap;

bool MailboxView::resolve_seqs(const pi::SeqSet& set, std::vector<SeqUid>* out) const {
  uint32_t n = exists();
  // §9: a message sequence number above the number of messages is an error.
  for (const auto& r : set.ranges)
    if ((r.lo != pi::kStar && r.lo > n) || (r.hi != pi::kStar && r.hi > n) || n == 0) return false;
  const auto& e = shared_->entries();
  const auto& p = pending_expunged_;
  for (const auto& r : set.resolve(n)) {
    auto [i, j] = locate(r.lo - 1);
    for (uint32_t seq = r.lo; seq <= r.hi; ++seq) {
      if (j < p.size() && (i >= e.size() || p[j] < e[i].uid)) out->push_back({seq, p[j++]});
      else out->push_back({seq, e[i++].uid});
    }
  }
  return true;
}

void MailboxView::resolve_uids(const pi::SeqSet& set, std::vector<SeqUid>* out) const {
  uint32_t largest = max_uid();
  if (largest == 0) return;
  const auto& e = shared_->entries();
  const auto& p = pending_expunged_;
  size_t v = visible();
  auto by_uid = [](const SharedIndex::Entry& x, uint32_t uid) { return x.uid < uid; };
  for (const auto& r : set.resolve(largest)) {
    size_t i = static_cast<size_t>(std::lower_bound(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(v), r.lo, by_uid) -
                                   e.begin());
    size_t j = static_cast<size_t>(std::lower_bound(p.begin(), p.end(), r.lo) - p.begin());
    uint32_t seq = static_cast<uint32_t>(i + j + 1);
    while (true) {
      bool take_p = j < p.size() && p[j] <= r.hi && (i >= v || p[j] < e[i].uid);
      if (take_p) out->push_back({seq++, p[j++]});
      else if (i < v && e[i].uid <= r.hi) out->push_back({seq++, e[i++].uid});
      else break;
    }
  }
}

}  // namespace loft::server::imap

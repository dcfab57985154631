// \Recent bookkeeping (recent.h).
#include "server/imap/recent.h"

#include <algorithm>

namespace loft::server::imap {

RecentClaims& RecentClaims::instance() {
  static RecentClaims claims;
  return claims;
}

std::pair<uint32_t, uint32_t> RecentClaims::claim(storage::MailboxId mailbox, uint32_t up_to) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = marks_.try_emplace(mailbox, up_to);
  if (inserted || it->second >= up_to) return {1, 0};
  std::pair<uint32_t, uint32_t> range{it->second + 1, up_to};
  it->second = up_to;
  return range;
}

uint32_t RecentClaims::mark(storage::MailboxId mailbox) {
  std::lock_guard lock(mu_);
  auto it = marks_.find(mailbox);
  return it == marks_.end() ? UINT32_MAX : it->second;
}

void RecentSet::add(std::pair<uint32_t, uint32_t> range) {
  if (range.first > range.second) return;
  ranges_.push_back(range);
}

bool RecentSet::contains(uint32_t uid) const {
  return std::any_of(ranges_.begin(), ranges_.end(), [uid](const auto& r) { return uid >= r.first && uid <= r.second; });
}

uint32_t RecentSet::count_in(const std::vector<storage::MessageSummary>& index) const {
  uint32_t n = 0;
  for (const auto& r : ranges_) {
    auto lo = std::lower_bound(index.begin(), index.end(), r.first,
                               [](const storage::MessageSummary& m, uint32_t u) { return m.uid < u; });
    auto hi = std::upper_bound(index.begin(), index.end(), r.second,
                               [](uint32_t u, const storage::MessageSummary& m) { return u < m.uid; });
    n += static_cast<uint32_t>(hi - lo);
  }
  return n;
}

}  // namespace loft::server::imap

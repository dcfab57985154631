#include "server/imap/recent_claims.h"

#include <algorithm>

namespace loft::server::imap {

RecentClaims& RecentClaims::instance() {
  static RecentClaims claims;
  return claims;
}

void RecentClaims::attach(storage::ChangeFeed& feed) {
  {
    std::lock_guard lock(mu_);
    if (feed_ == &feed) return;
    feed_ = &feed;
  }
  // Runs on the committer thread; a new store (tests) gets its own listener.
  feed.subscribe([this](const storage::MailboxChange& change) {
    if (change.added.empty()) return;
    std::lock_guard lock(mu_);
    marks_.try_emplace(change.mailbox, change.added.front().uid - 1);
  });
}

uint32_t RecentClaims::claim(storage::MailboxId mailbox, uint32_t up_to) {
  std::lock_guard lock(mu_);
  auto it = marks_.try_emplace(mailbox, up_to).first;
  uint32_t old = it->second;
  it->second = std::max(old, up_to);
  return old;
}

uint32_t RecentClaims::peek(storage::MailboxId mailbox, uint32_t up_to) {
  std::lock_guard lock(mu_);
  auto it = marks_.find(mailbox);
  return it == marks_.end() ? up_to : it->second;
}

Result<uint32_t> RecentClaims::count_unclaimed(storage::Store& store, const storage::MailboxInfo& mailbox) {
  uint32_t last = mailbox.uidnext - 1;
  uint32_t mark = peek(mailbox.id, last);
  if (mark >= last || mailbox.messages == 0) return 0u;
  auto index = store.message_index(mailbox.id);
  if (!index) return index.error();
  uint32_t n = 0;
  for (const auto& m : *index) n += m.uid > mark ? 1 : 0;
  return n;
}

}  // namespace loft::server::imap

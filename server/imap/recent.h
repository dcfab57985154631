// \Recent (RFC 3501 §2.3.2): a message is recent in exactly one session, the
// first to select its mailbox (or to learn of it while selected) after it
// arrived. loftd keeps, per mailbox, the highest UID some session has
// already claimed; a session claiming up to UID n gets (previous, n] and
// raises the mark. The marks live in memory: after a restart no message is
// recent until new mail arrives (the store keeps no per-session state).
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/types.h"

namespace loft::server::imap {

// The process-wide marks, shared by every loop thread (guarded by a mutex).
class RecentClaims {
 public:
  // The one instance of this process.
  static RecentClaims& instance();
  // Claims the UIDs above the mailbox's mark up to up_to; returns the range
  // (first, last) now recent for the caller, empty (first > last) if none.
  // The first claim ever made for a mailbox (after a start) sets the mark to
  // up_to and claims nothing, so older mail is not shown as new.
  std::pair<uint32_t, uint32_t> claim(storage::MailboxId mailbox, uint32_t up_to);
  // The mark of a mailbox (UINT32_MAX if never claimed: nothing is recent),
  // for EXAMINE, which claims nothing (RFC 3501 §6.3.2).
  uint32_t mark(storage::MailboxId mailbox);

 private:
  std::mutex mu_;
  std::unordered_map<storage::MailboxId, uint32_t> marks_;
};

// The UIDs recent in one session: a few ranges, ascending.
class RecentSet {
 public:
  void add(std::pair<uint32_t, uint32_t> range);
  bool contains(uint32_t uid) const;
  // Recent UIDs among uids (ascending): the RECENT count (RFC 3501 §7.3.2).
  uint32_t count_in(const std::vector<storage::MessageSummary>& index) const;

 private:
  std::vector<std::pair<uint32_t, uint32_t>> ranges_;
};

}  // namespace loft::server::imap

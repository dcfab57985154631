// \Recent (RFC 3501 §2.3.2): a new message is recent in exactly one session,
// the first one told about it. This table, shared by every loop, remembers
// per mailbox the highest UID some session has claimed. It is not persisted:
// after a restart, messages stored before are not recent; messages arriving
// later are, for the first session to see them.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "base/result.h"
#include "storage/store.h"

namespace loft::server::imap {

class RecentClaims {
 public:
  // The process-wide table.
  static RecentClaims& instance();
  // Follows feed: the first arrival in a mailbox since start sets its mark
  // just below the new UID, so that mail is recent for its first viewer.
  void attach(storage::ChangeFeed& feed);
  // Claims (mark, up_to] for the caller; returns the old mark (the caller's
  // recent UIDs are above it). A mailbox without a mark gets up_to: nothing recent.
  uint32_t claim(storage::MailboxId mailbox, uint32_t up_to);
  // The mark without claiming (EXAMINE, RFC 3501 §6.3.2).
  uint32_t peek(storage::MailboxId mailbox, uint32_t up_to);
  // STATUS RECENT (RFC 3501 §6.3.10): the messages of mailbox no session has
  // claimed yet, i.e. those the next SELECT will report \Recent. Messages a
  // session holds \Recent are that session's alone (§2.3.2), so not counted,
  // as Dovecot does. Reads the mailbox's index only when some are unclaimed.
  Result<uint32_t> count_unclaimed(storage::Store& store, const storage::MailboxInfo& mailbox);

 private:
  std::mutex mu_;
  std::unordered_map<storage::MailboxId, uint32_t> marks_;
  storage::ChangeFeed* feed_ = nullptr;
};

}  // namespace loft::server::imap

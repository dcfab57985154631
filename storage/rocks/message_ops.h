// Message mutations (Requests for the committer): copy and move (bodies
// shared by reference), flag/keyword changes, expunge, quota limits. Each
// writes its change-log rows, index jobs and quota usage in the same batch.
#pragma once

#include <span>

#include <optional>
#include <vector>

#include "storage/rocks/txn_util.h"

namespace loft::storage::rocks {

// Copies (or, with move, moves) each existing uid of `from` into `to`; the
// dest UIDs are assigned in the order given (RFC 4315 COPYUID). A move
// expunges the sources in the same batch (RFC 6851 §3.3: atomic).
struct CopyMessages final : EventRequest {
  MailboxId from = 0, to = 0;
  std::vector<uint32_t> uids;
  bool move = false;
  CopyResult out;
  Result<void> stage(GroupTxn& txn) override;
};

// Applies a FlagChange to each existing uid; every message it changes gets
// one new modseq (HIGHESTMODSEQ + 1).
struct StoreFlags final : EventRequest {
  MailboxId mailbox = 0;
  std::vector<uint32_t> uids;
  FlagChange change;
  FlagResult out;
  Result<void> stage(GroupTxn& txn) override;
};

// Removes each existing uid of the mailbox and releases its body; one new
// modseq (HIGHESTMODSEQ + 1) when anything goes. out: the uids removed.
// only_deleted: a message without \Deleted when this stages is kept (IMAP
// EXPUNGE, whose candidates were read before the commit).
struct Expunge final : EventRequest {
  MailboxId mailbox = 0;
  std::vector<uint32_t> uids;
  bool only_deleted = false;
  std::vector<uint32_t> out;
  Result<void> stage(GroupTxn& txn) override;
};

// Sets an account's quota limits (usage is untouched).
struct SetQuota final : Request {
  AccountId account = 0;
  uint64_t byte_limit = 0, message_limit = 0;
  Result<void> stage(GroupTxn& txn) override;
};

// The message uid of mailbox through the overlay; nullopt when absent.
Result<std::optional<MessageMeta>> stage_message(GroupTxn& txn, MailboxId mailbox, uint32_t uid);
// stage_message for each of uids, in their order. A long, strictly ascending,
// dense list (STORE or EXPUNGE of 1:*) is read with one scan instead of a
// point read per message; any other list as stage_message would read it.
Result<std::vector<std::optional<MessageMeta>>> stage_messages(GroupTxn& txn, MailboxId mailbox,
                                                               std::span<const uint32_t> uids);

}  // namespace loft::storage::rocks

// Staging helpers shared by the mutations: lookups through the group's
// overlay, and the bookkeeping every message change carries in its batch
// (change log, index job, quota, keyword list, blob references, events).
// Counters are checked, never clamped: a count that would go below zero is
// Errc::internal, logged with its key; the committer rolls the request back.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "storage/rocks/committer.h"
#include "storage/rocks/group_txn.h"

namespace loft::storage::rocks {

Result<std::optional<AccountRecord>> stage_find_account(GroupTxn& txn, const std::string& name);
Result<std::optional<MailboxId>> stage_find_mailbox_id(GroupTxn& txn, AccountId account, std::string_view name);
// The mailbox record, or Errc::not_found.
Result<MailboxInfo> stage_mailbox(GroupTxn& txn, MailboxId id);
// A fresh UIDVALIDITY: now, but above every one handed out (RFC 3501 §2.3.1.1).
uint32_t next_uidvalidity(Counters& c);
// Stages a new, empty mailbox (name row and record).
MailboxInfo stage_new_mailbox(GroupTxn& txn, AccountId account, std::string_view name, uint32_t special_use);
// "INBOX" in any case is INBOX (RFC 3501 §5.1); other names as given.
std::string_view stored_name(std::string_view name);

// Errc::internal (logged) for a count that would go below zero.
Error broken_invariant(const std::string& what);
// n - by, or the invariant error naming `what`.
Result<uint64_t> checked_sub(uint64_t n, uint64_t by, const std::string& what);

// Quota rows (absent for accounts made before schema 2: not tracked).
Result<std::optional<QuotaRecord>> stage_quota(GroupTxn& txn, AccountId account);
// Errc::no_quota if adding bytes/messages would pass a limit.
Result<void> check_quota(GroupTxn& txn, AccountId account, uint64_t bytes, uint64_t messages);
// Adds (add = true) or removes usage.
Result<void> charge_quota(GroupTxn& txn, AccountId account, bool add, uint64_t bytes, uint64_t messages);

// Collects per-mailbox events for the change feed; a Request that changes
// messages derives from it.
class EventRequest : public Request {
 public:
  void describe(std::vector<MailboxChange>& changes) const override;

 protected:
  MailboxChange& event(MailboxId mailbox);
  std::map<MailboxId, MailboxChange> events_;
};

// Stages a new message in mb (uid, modseq assigned here; mb updated but not
// put, save date set to now): message row, change-log row, index job,
// keyword list, quota, event.
Result<void> stage_add_message(GroupTxn& txn, MailboxInfo& mb, MessageMeta& meta, MailboxChange* event);
// Stages the removal of message m from mb at modseq `modseq`: tombstone,
// index job, quota, counts; the blob reference goes into `released`.
Result<void> stage_remove_message(GroupTxn& txn, MailboxInfo& mb, const MessageMeta& m, uint64_t modseq,
                                  std::map<BlobId, uint32_t>* released, MailboxChange* event);
// Moves a message's change-log row from old_modseq to its new modseq.
void stage_message_changed(GroupTxn& txn, MailboxId mailbox, uint64_t old_modseq, const MessageMeta& m);
// Adds each keyword to the mailbox's keyword list if new.
Result<void> stage_keywords(GroupTxn& txn, MailboxId mailbox, const std::vector<std::string>& keywords);
// Drops references; a blob left with none is deleted with its chunks and
// structure. More references dropped than held is Errc::internal.
Result<void> release_blobs(GroupTxn& txn, const std::map<BlobId, uint32_t>& released);
// Adds references to existing blobs (copy).
Result<void> add_blob_refs(GroupTxn& txn, const std::map<BlobId, uint32_t>& added);
// Removing a whole mailbox (delete_mailbox, delete_account) is a mark and
// then purge slices: see purge.h.

}  // namespace loft::storage::rocks

// Mailbox mutations (Requests for the committer): create, delete with its
// messages, rename with its hierarchy (RFC 3501 §6.3.3-§6.3.5), special-use
// attributes (RFC 6154) and subscriptions, which are kept apart from
// existence (RFC 3501 §6.3.6).
#pragma once

#include <string>

#include "storage/rocks/txn_util.h"

namespace loft::storage::rocks {

struct CreateMailbox final : Request {
  AccountId account = 0;
  std::string name;
  uint32_t special_use = 0;
  MailboxInfo out;
  Result<void> stage(GroupTxn& txn) override;
  void describe(std::vector<MailboxChange>& changes) const override;  // ListChange::created
};

// Deletes the mailbox: name row and record at once, its messages queued for
// purge slices (purge.h); names below it stay. INBOX: perm.
struct DeleteMailbox final : Request {
  AccountId account = 0;
  std::string name;
  MailboxId deleted = 0;  // set by stage
  Result<void> stage(GroupTxn& txn) override;
  void describe(std::vector<MailboxChange>& changes) const override;  // ListChange::deleted
};

// Renames `from` and every "from/..." name; renaming INBOX moves its
// messages into a new mailbox and leaves INBOX (and names under it) alone.
struct RenameMailbox final : EventRequest {
  AccountId account = 0;
  std::string from, to;
  Result<void> stage(GroupTxn& txn) override;
  // The moved messages, then one ListChange::renamed per renamed mailbox
  // (ListChange::created for the new mailbox of an INBOX rename).
  void describe(std::vector<MailboxChange>& changes) const override;

 private:
  std::vector<ListChange> renamed_;
};

struct SetSpecialUse final : Request {
  MailboxId mailbox = 0;
  uint32_t special_use = 0;
  Result<void> stage(GroupTxn& txn) override;
};

// Adds (subscribe) or removes a subscription; the mailbox need not exist.
struct SetSubscription final : Request {
  AccountId account = 0;
  std::string name;
  bool subscribe = true;
  Result<void> stage(GroupTxn& txn) override;
  void describe(std::vector<MailboxChange>& changes) const override;  // ListChange::(un)subscribed
};

}  // namespace loft::storage::rocks

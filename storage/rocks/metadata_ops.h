// Annotations in kMetadataCf (docs/storage.md, "metadata"): the key layout,
// the SetMetadata mutation and the staging helpers that drop a mailbox's or
// an account's annotations in the batch that deletes it. Keys name mailboxes
// by id, so RENAME carries a mailbox's annotations without touching them.
#pragma once

#include <string>
#include <vector>

#include "storage/rocks/committer.h"
#include "storage/rocks/group_txn.h"

namespace loft::storage::rocks {

// Key prefixes: 's' + be64 account (server annotations), 'm' + be64 mailbox
// (mailbox annotations), 'u' + be64 account (usage). A name follows the
// first two.
inline constexpr char kMetaServer = 's';
inline constexpr char kMetaMailbox = 'm';
inline constexpr char kMetaUsage = 'u';

// The prefix of the annotations of `mailbox` (0: the account's server ones).
std::string metadata_prefix(AccountId account, MailboxId mailbox);
// The usage row's key of an account.
std::string metadata_usage_key(AccountId account);
// v + be64 entries + be64 bytes.
std::string encode_metadata_usage(const MetadataUsage& u);
std::optional<MetadataUsage> decode_metadata_usage(std::string_view v);

// Sets and deletes annotations of one account's server or mailbox scope.
struct SetMetadata final : Request {
  AccountId account = 0;
  MailboxId mailbox = 0;  // 0: server annotations
  std::vector<MetadataWrite> writes;
  MetadataLimits limits;
  Result<void> stage(GroupTxn& txn) override;
  void describe(std::vector<MailboxChange>& changes) const override;  // ListChange::metadata
};

// Erases every annotation of a mailbox; with charge, lowers the account's
// usage (not when the account goes too: its usage row goes with it).
Result<void> stage_drop_mailbox_metadata(GroupTxn& txn, AccountId account, MailboxId mailbox, bool charge);
// Erases the account's server annotations and its usage row.
Result<void> stage_drop_account_metadata(GroupTxn& txn, AccountId account);

}  // namespace loft::storage::rocks

// The mutations of the store, as Requests for the committer. Each stages its
// whole effect into the group's overlay; the caller reads the outputs after
// Committer::run returns successfully.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "storage/rocks/blobs.h"
#include "storage/rocks/committer.h"

namespace loft::storage::rocks {

// Drops `dropped` references from each blob; a blob left with none is
// deleted, chunks and all, in the same batch. (Account deletion: purge.h.)
Result<void> release_blobs(GroupTxn& txn, const std::map<BlobId, uint32_t>& released);

// A new account (name already lower-case) with an empty INBOX.
struct CreateAccount final : Request {
  std::string name, password_hash;
  Account out;
  Result<void> stage(GroupTxn& txn) override;
};

struct SetPassword final : Request {
  std::string name, password_hash;
  Result<void> stage(GroupTxn& txn) override;
};

// One body (already chunked and compressed by the caller) appended to the
// INBOX of each account; the committer assigns the blob id and the UIDs.
struct Deliver final : Request {
  PreparedBody body;
  std::vector<AccountId> accounts;
  int64_t internal_date = 0;
  std::vector<DeliveredCopy> out;
  Result<void> stage(GroupTxn& txn) override;
};

// Applies op to each existing uid; one new modseq for all that change.
struct UpdateFlags final : Request {
  MailboxId mailbox = 0;
  std::vector<uint32_t> uids;
  FlagOp op = FlagOp::add;
  uint32_t flags = 0;
  std::vector<MessageSummary> out;
  Result<void> stage(GroupTxn& txn) override;
};

// Removes each existing uid of the mailbox and releases its body; one new
// modseq (HIGHESTMODSEQ + 1) when anything goes. out: the uids removed.
struct Expunge final : Request {
  MailboxId mailbox = 0;
  std::vector<uint32_t> uids;
  std::vector<uint32_t> out;
  Result<void> stage(GroupTxn& txn) override;
};

}  // namespace loft::storage::rocks

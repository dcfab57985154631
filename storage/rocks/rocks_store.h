// The RocksDB implementation of Store. Reads go straight to the database
// (through a snapshot when they span keys); mutations go through the
// Committer. This header names no RocksDB type, so tests may include it.
#pragma once

#include <memory>

#include "storage/change_feed.h"
#include "storage/store.h"

namespace loft::storage::rocks {

class Db;
class Committer;
struct Counters;

class RocksStore final : public Store {
 public:
  // Store::open in this implementation's terms.
  static Result<std::unique_ptr<RocksStore>> open(const Options& options);
  // Commits every queued request, stops the committer, closes the database.
  ~RocksStore() override;

  Result<Account> create_account(std::string_view name, std::string_view password_hash) override;
  Result<Account> find_account(std::string_view name) override;
  Result<void> set_password(std::string_view name, std::string_view password_hash) override;
  Result<void> delete_account(std::string_view name) override;
  Result<std::vector<Account>> list_accounts() override;
  Result<MailboxInfo> find_mailbox(AccountId account, std::string_view name) override;
  Result<std::vector<MailboxInfo>> list_mailboxes(AccountId account) override;
  Result<std::vector<DeliveredCopy>> deliver(std::string_view body, std::span<const AccountId> accounts,
                                             int64_t internal_date) override;
  Result<std::vector<MessageSummary>> message_index(MailboxId mailbox) override;
  Result<std::vector<MessageMeta>> messages(MailboxId mailbox, std::span<const uint32_t> uids) override;
  Result<std::string> read_body(BlobId blob, uint64_t offset, uint64_t length) override;
  Result<std::vector<MessageSummary>> update_flags(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op,
                                                   uint32_t flags) override;
  Result<std::vector<uint32_t>> expunge(MailboxId mailbox, std::span<const uint32_t> uids) override;
  Result<BlobInfo> blob_info(BlobId blob) override;
  ChangeFeed& changes() override { return feed_; }
  StoreStats stats() override;
  Result<std::vector<CheckIssue>> check(bool repair) override;

  // Makes the next n batch writes fail as a disk error would (tests only).
  void fail_next_writes_for_testing(uint32_t n);

 private:
  RocksStore(const Options& options, std::unique_ptr<Db> db, const Counters& counters);

  Options options_;
  LocalChangeFeed feed_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<Committer> committer_;  // after db_: destroyed (drained) first
};

}  // namespace loft::storage::rocks

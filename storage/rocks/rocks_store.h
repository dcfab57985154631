// The RocksDB implementation of Store. Reads go straight to the database
// (through a snapshot when they span keys); mutations go through the
// Committer; bodies are streamed in by RocksBodyWriter. This header names no
// RocksDB type, so tests may include it. The calls are defined in
// rocks_store.cc (open, accounts, mailboxes) and rocks_messages.cc.
#pragma once

#include <memory>

#include "storage/change_feed.h"
#include "storage/store.h"

namespace loft::storage::rocks {

class Db;
class Committer;
class BlobIds;
struct Counters;

class RocksStore final : public Store {
 public:
  // Store::open in this implementation's terms. Removes bodies left pending
  // by a crash or an aborted transfer before it returns.
  static Result<std::unique_ptr<RocksStore>> open(const Options& options);
  // Commits every queued request, stops the committer, closes the database.
  ~RocksStore() override;

  using Store::deliver;
  Result<Account> create_account(std::string_view name, std::string_view password_hash) override;
  Result<Account> find_account(std::string_view name) override;
  Result<void> set_password(std::string_view name, std::string_view password_hash) override;
  Result<void> delete_account(std::string_view name) override;
  Result<std::vector<Account>> list_accounts() override;
  Result<MailboxInfo> find_mailbox(AccountId account, std::string_view name) override;
  Result<std::vector<MailboxInfo>> list_mailboxes(AccountId account) override;
  Result<MailboxInfo> create_mailbox(AccountId account, std::string_view name, uint32_t special_use) override;
  Result<void> delete_mailbox(AccountId account, std::string_view name) override;
  Result<void> rename_mailbox(AccountId account, std::string_view from, std::string_view to) override;
  Result<void> set_special_use(MailboxId mailbox, uint32_t special_use) override;
  Result<std::vector<std::string>> mailbox_keywords(MailboxId mailbox) override;
  Result<void> subscribe(AccountId account, std::string_view name) override;
  Result<void> unsubscribe(AccountId account, std::string_view name) override;
  Result<std::vector<std::string>> subscriptions(AccountId account) override;
  Result<std::unique_ptr<BodyWriter>> begin_body() override;
  Result<std::vector<DeliveryOutcome>> deliver(BodyWriter& body, std::span<const DeliveryTarget> targets) override;
  Result<std::vector<MessageSummary>> message_index(MailboxId mailbox) override;
  Result<std::vector<MessageMeta>> messages(MailboxId mailbox, std::span<const uint32_t> uids) override;
  Result<std::string> read_body(BlobId blob, uint64_t offset, uint64_t length) override;
  Result<std::vector<uint32_t>> expunge(MailboxId mailbox, std::span<const uint32_t> uids) override;
  Result<CopyResult> copy(MailboxId from, std::span<const uint32_t> uids, MailboxId to) override;
  Result<CopyResult> move(MailboxId from, std::span<const uint32_t> uids, MailboxId to) override;
  Result<FlagResult> store_flags(MailboxId mailbox, std::span<const uint32_t> uids, const FlagChange& change) override;
  Result<std::vector<MessageSummary>> changed_since(MailboxId mailbox, uint64_t modseq) override;
  Result<std::vector<uint32_t>> expunged_since(MailboxId mailbox, uint64_t modseq) override;
  Result<Quota> quota(AccountId account) override;
  Result<void> set_quota(AccountId account, uint64_t byte_limit, uint64_t message_limit) override;
  Result<std::vector<IndexJob>> index_jobs(size_t max) override;
  Result<void> delete_index_jobs(std::span<const IndexJob> jobs) override;
  Result<std::string> read_structure(BlobId blob) override;
  Result<BlobInfo> blob_info(BlobId blob) override;
  ChangeFeed& changes() override { return feed_; }
  StoreStats stats() override;
  Result<std::vector<CheckIssue>> check(bool repair) override;

  // Makes the next n batch writes fail as a disk error would (tests only).
  void fail_next_writes_for_testing(uint32_t n);
  // Leaves a writer's chunks and pending marker in place, as a crash would.
  static void abandon_body_for_testing(BodyWriter& body);
  // Number of chunk rows stored under blob (tests only).
  Result<uint64_t> chunk_rows_for_testing(BlobId blob);
  // Overwrites a blob's refcount, as corruption would (tests only).
  Result<void> set_blob_refs_for_testing(BlobId blob, uint32_t refs);
  // Bodies removed as pending by open (tests, logs).
  uint64_t pending_removed_at_open() const { return pending_removed_; }

 private:
  RocksStore(const Options& options, std::unique_ptr<Db> db, std::unique_ptr<BlobIds> ids, const Counters& counters);
  Result<CopyResult> copy_or_move(MailboxId from, std::span<const uint32_t> uids, MailboxId to, bool move);
  Result<std::vector<std::string>> names_under(uint64_t id, int cf);

  Options options_;
  LocalChangeFeed feed_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<BlobIds> blob_ids_;
  std::unique_ptr<Committer> committer_;  // after db_: destroyed (drained) first
  uint64_t pending_removed_ = 0;
};

}  // namespace loft::storage::rocks

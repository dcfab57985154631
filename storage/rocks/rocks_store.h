// The RocksDB implementation of Store. Reads go straight to the database
// (through a snapshot when they span keys); mutations go through the
// Committer. This header names no RocksDB type, so tests may include it.
#pragma once

#include <memory>

#include "storage/change_feed.h"
#include "storage/rocks/tuning.h"
#include "storage/store.h"

namespace loft::storage::rocks {

class Db;
class Committer;
class Purger;
struct Counters;

class RocksStore final : public Store {
 public:
  // Store::open in this implementation's terms.
  static Result<std::unique_ptr<RocksStore>> open(const Options& options);
  // open with engine settings other than the defaults (tests, benchmarks).
  static Result<std::unique_ptr<RocksStore>> open(const Options& options, const Tuning& tuning);
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
  void deliver_async(std::string_view body, std::span<const AccountId> accounts, int64_t internal_date,
                     Done<std::vector<DeliveredCopy>> done) override;
  void update_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op, uint32_t flags,
                          Done<std::vector<MessageSummary>> done) override;
  void expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) override;
  Result<BlobInfo> blob_info(BlobId blob) override;
  ChangeFeed& changes() override { return feed_; }
  StoreStats stats() override;
  bool failed() override;

  // Makes the next n batch writes fail as a disk error would (tests only):
  // before the Write call, or after it (written, reported as failed).
  void fail_next_writes_for_testing(uint32_t n, bool after_write = false);
  // How many times RocksDB stalled writes since open (back-pressure, not errors).
  uint64_t write_stalls() const;
  // Purge slices run since open (see purge.h).
  uint64_t purge_slices() const;
  // Blocks until no purge runs (e.g. one resumed at open).
  void wait_for_purges();

 private:
  RocksStore(const Options& options, const Tuning& tuning, std::unique_ptr<Db> db, const Counters& counters);

  Options options_;
  Tuning tuning_;
  LocalChangeFeed feed_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<Purger> purger_;        // its last slice completes while the committer drains
  std::unique_ptr<Committer> committer_;  // after db_: destroyed (drained) first
};

}  // namespace loft::storage::rocks

// The RocksDB implementation of Store. Reads go straight to the database
// (through a snapshot when they span keys); mutations go through the
// Committer; bodies are streamed in by RocksBodyWriter. This header names no
// RocksDB type, so tests may include it. The calls are defined in
// rocks_store.cc (open, accounts, mailboxes) and rocks_messages.cc.
#pragma once

#include <memory>

#include "storage/change_feed.h"
#include "storage/rocks/tuning.h"
#include "storage/store.h"

namespace loft::storage::rocks {

class Db;
class Committer;
class BlobIds;
class Purger;
class Request;
struct Counters;

class RocksStore final : public Store {
 public:
  // Store::open in this implementation's terms. Removes bodies left pending
  // by a crash or an aborted transfer before it returns.
  static Result<std::unique_ptr<RocksStore>> open(const Options& options);
  // open with engine settings other than the defaults (tests, benchmarks).
  static Result<std::unique_ptr<RocksStore>> open(const Options& options, const Tuning& tuning);
  // Commits every queued request, stops the committer, closes the database.
  ~RocksStore() override;

  using Store::deliver;
  using Store::deliver_async;
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
  Result<std::vector<DeliveredCopy>> append_many(std::span<BodyWriter* const> bodies,
                                                 std::span<const DeliveryTarget> targets) override;
  Result<DeliveredCopy> replace(BodyWriter& body, const DeliveryTarget& target, MailboxId old_mailbox,
                                uint32_t old_uid) override;
  Result<std::vector<MessageSummary>> message_index(MailboxId mailbox) override;
  Result<std::vector<MessageSize>> message_sizes(MailboxId mailbox) override;
  Result<std::vector<MessageMeta>> messages(MailboxId mailbox, std::span<const uint32_t> uids) override;
  Result<std::string> read_body(BlobId blob, uint64_t offset, uint64_t length) override;
  Result<std::vector<uint32_t>> expunge(MailboxId mailbox, std::span<const uint32_t> uids) override;
  void deliver_async(std::unique_ptr<BodyWriter> body, std::span<const DeliveryTarget> targets,
                     Done<std::vector<DeliveryOutcome>> done) override;
  void store_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, const FlagChange& change,
                         Done<FlagResult> done) override;
  void expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) override;
  void expunge_deleted_async(MailboxId mailbox, std::span<const uint32_t> uids,
                             Done<std::vector<uint32_t>> done) override;
  void append_many_async(std::vector<std::unique_ptr<BodyWriter>> bodies, std::span<const DeliveryTarget> targets,
                         Done<std::vector<DeliveredCopy>> done) override;
  void replace_async(std::unique_ptr<BodyWriter> body, const DeliveryTarget& target, MailboxId old_mailbox,
                     uint32_t old_uid, Done<DeliveredCopy> done) override;
  void copy_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) override;
  void move_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) override;
  Result<CopyResult> copy(MailboxId from, std::span<const uint32_t> uids, MailboxId to) override;
  Result<CopyResult> move(MailboxId from, std::span<const uint32_t> uids, MailboxId to) override;
  Result<FlagResult> store_flags(MailboxId mailbox, std::span<const uint32_t> uids, const FlagChange& change) override;
  Result<std::vector<MessageSummary>> changed_since(MailboxId mailbox, uint64_t modseq) override;
  Result<std::vector<uint32_t>> expunged_since(MailboxId mailbox, uint64_t modseq) override;
  Result<Quota> quota(AccountId account) override;
  Result<void> set_quota(AccountId account, uint64_t byte_limit, uint64_t message_limit) override;
  Result<void> set_metadata(AccountId account, MailboxId mailbox, std::span<const MetadataWrite> writes,
                            const MetadataLimits& limits) override;  // rocks_metadata.cc
  Result<std::vector<MetadataEntry>> get_metadata(AccountId account, MailboxId mailbox, std::string_view name,
                                                  MetadataDepth depth) override;
  Result<MetadataUsage> metadata_usage(AccountId account) override;
  Result<std::vector<IndexJob>> index_jobs(size_t max) override;
  Result<void> delete_index_jobs(std::span<const IndexJob> jobs) override;
  Result<std::string> read_structure(BlobId blob) override;
  Result<std::vector<std::string>> read_structures(std::span<const BlobId> blobs) override;
  Result<BlobInfo> blob_info(BlobId blob) override;
  const std::string& object_key() const override { return object_key_; }
  ChangeFeed& changes() override { return feed_; }
  StoreStats stats() override;
  bool failed() override;
  Result<std::vector<CheckIssue>> check(bool repair) override;

  // Makes the next n batch writes fail as a disk error would (tests only):
  // before the Write call, or after it (written, reported as failed).
  void fail_next_writes_for_testing(uint32_t n, bool after_write = false);
  // How many times RocksDB stalled writes since open (back-pressure, not errors).
  uint64_t write_stalls() const;
  // Purge slices run since open (see purge.h).
  uint64_t purge_slices() const;
  // Blocks until no purge runs (e.g. one resumed at open).
  void wait_for_purges();
  // Leaves a writer's chunks and pending marker in place, as a crash would.
  static void abandon_body_for_testing(BodyWriter& body);
  // Number of chunk rows stored under blob (tests only).
  Result<uint64_t> chunk_rows_for_testing(BlobId blob);
  // Overwrites a blob's refcount, as corruption would (tests only).
  Result<void> set_blob_refs_for_testing(BlobId blob, uint32_t refs);
  // Bodies removed as pending by open (tests, logs).
  uint64_t pending_removed_at_open() const { return pending_removed_; }

 private:
  RocksStore(const Options& options, const Tuning& tuning, std::unique_ptr<Db> db, std::unique_ptr<BlobIds> ids,
             const Counters& counters);
  // Runs a request that queues purge markers, then purges them; returns once they are done.
  Result<void> run_and_purge(Request& request);
  Result<CopyResult> copy_or_move(MailboxId from, std::span<const uint32_t> uids, MailboxId to, bool move);
  void copy_or_move_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, bool move,
                          Done<CopyResult> done);
  Result<std::vector<std::string>> names_under(uint64_t id, int cf);

  Options options_;
  Tuning tuning_;
  LocalChangeFeed feed_;
  std::unique_ptr<Db> db_;
  std::unique_ptr<BlobIds> blob_ids_;
  std::unique_ptr<Purger> purger_;        // its last slice completes while the committer drains
  std::unique_ptr<Committer> committer_;  // after db_: destroyed (drained) first
  uint64_t pending_removed_ = 0;
  std::string object_key_;  // storage/rocks/object_key.h
};

}  // namespace loft::storage::rocks

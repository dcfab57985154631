// The search indexer, blocking (no libuv): drains the store's index jobs
// (written in the same batch as each delivery and expunge) into the
// per-account Xapian indexes, one commit per batch, and deletes the jobs
// only after that commit, so a crash at any point is caught up by
// processing the remaining jobs again (adding is idempotent). Used by the
// server's background thread (background.h) and by loftctl on a stopped store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "search/index.h"
#include "storage/store.h"

namespace loft::server::search {

// The index directory of an account: <data_dir>/search/<account id>.
std::string index_dir(const std::string& data_dir, storage::AccountId account);

class Indexer {
 public:
  Indexer(storage::Store& store, std::string data_dir) : store_(store), data_dir_(std::move(data_dir)) {}

  // Processes up to max pending jobs (oldest first); returns how many.
  // On error nothing of the batch is acknowledged: it is retried later.
  // Once *cancel is set, the jobs done so far are committed and the rest left.
  // Jobs of a deleted mailbox drop all its documents and its mark; jobs of a
  // deleted account remove the account's whole index directory. Then an
  // account's index that needs it is rebuilt (rebuild_if_needed).
  Result<size_t> run_batch(size_t max, const std::atomic<bool>* cancel = nullptr);
  // Drops the account's index and indexes every stored message again,
  // calling progress(done, total) every kProgressEvery messages. The index
  // says "rebuilding" until the end (searches scan the account meanwhile);
  // once *cancel is set it stops with Errc::temp and stays so.
  Result<uint64_t> rebuild(storage::AccountId account, const std::function<void(uint64_t, uint64_t)>& progress,
                           const std::atomic<bool>* cancel = nullptr);
  // Compacts the account's index (closes its writer first); false when the
  // account has no index yet.
  Result<bool> optimize(storage::AccountId account);
  // Closes the account's writer and removes its index directory.
  Result<void> drop_account(storage::AccountId account);
  // Closes the open writers (an optimize needs the lock).
  void close() { writers_.clear(); }

  static constexpr size_t kMaxOpenWriters = 8;  // accounts kept open between batches
  static constexpr uint64_t kProgressEvery = 1000;
  static constexpr size_t kRebuildBatch = 512;  // messages per commit in rebuild
  // Dead documents (expunged, Index::remove) that make an index worth
  // rebuilding, once they also outnumber its live ones.
  static constexpr uint64_t kRebuildDead = 1000;

 private:
  Result<loft::search::Index*> writer(storage::AccountId account);
  // Rebuilds the account's index when it is mostly expunged messages
  // (kRebuildDead), or says "rebuilding" (a rebuild was interrupted, or the
  // index is of an older term scheme): searches would scan it otherwise.
  Result<void> rebuild_if_needed(storage::AccountId account, const std::atomic<bool>* cancel);
  // The mailbox ids of each account the jobs name; an empty set: the account
  // is gone (every account keeps its INBOX).
  Result<std::map<storage::AccountId, std::set<storage::MailboxId>>> live_mailboxes(
      const std::vector<storage::IndexJob>& jobs);
  Result<void> index_message(loft::search::Index& index, storage::MailboxId mailbox,
                             const storage::MessageMeta& meta);

  storage::Store& store_;
  std::string data_dir_;
  std::map<storage::AccountId, loft::search::Index> writers_;
};

}  // namespace loft::server::search

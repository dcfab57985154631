// The staged state of one commit group. Requests in a group see each other's
// changes through this overlay (the committer is the only writer, so the
// database plus the overlay is the whole truth); nothing reaches RocksDB
// until build() turns the overlay into one WriteBatch. Dropping a GroupTxn
// rolls the group back; rollback_to_savepoint() rolls back one request.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/write_batch.h>

#include "base/result.h"
#include "storage/rocks/db.h"
#include "storage/rocks/keys.h"

namespace loft::storage::rocks {

// The least UIDNEXT / HIGHESTMODSEQ a mailbox may show: values handed out by
// a group whose write failed (or whose outcome is unknown) stay consumed.
struct MailboxFloor {
  uint32_t uidnext = 0;
  uint64_t highestmodseq = 0;
};
using MailboxFloors = std::map<MailboxId, MailboxFloor>;

class GroupTxn {
 public:
  // floors (may be null) raise every mailbox record read through mailbox().
  GroupTxn(const Db& db, const Counters& counters, const MailboxFloors* floors = nullptr)
      : db_(db), counters_(counters), floors_(floors) {}

  // Counters as advanced by this group; committed only if the write succeeds.
  Counters& counters() { return counters_; }
  const Counters& counters() const { return counters_; }

  // The current value of key: staged if staged, else from the database.
  Result<std::optional<std::string>> get(Cf cf, const std::string& key) const;
  // At most `limit` key/values under prefix, ascending, staged changes applied.
  // Walks the database iterator and the overlay side by side: nothing beyond
  // the answer is copied.
  Result<std::vector<std::pair<std::string, std::string>>> scan(
      Cf cf, const std::string& prefix, size_t limit = std::numeric_limits<size_t>::max()) const;
  // scan over [from, end) (end empty: no bound).
  Result<std::vector<std::pair<std::string, std::string>>> scan_range(Cf cf, const std::string& from,
                                                                      const std::string& end, size_t limit) const;
  void put(Cf cf, std::string key, std::string value);
  void erase(Cf cf, std::string key);

  // Typed helpers over get/put; nullopt when absent, Errc::internal when corrupt.
  // A mailbox's UIDNEXT and HIGHESTMODSEQ are raised to its floor, if any.
  Result<std::optional<MailboxInfo>> mailbox(MailboxId id) const;
  // Stages a mailbox record and remembers it for the change feed.
  void put_mailbox(const MailboxInfo& info);
  void erase_mailbox(MailboxId id);
  Result<std::optional<BlobRecord>> blob(BlobId id) const;

  // Marks the state that rollback_to_savepoint() returns to (one level: a new
  // savepoint replaces the previous one). The committer sets one per request.
  void set_savepoint();
  // Undoes every put, erase, counter and touched-mailbox change since the
  // savepoint, so a rejected request leaves no trace in the group.
  void rollback_to_savepoint();

  // Bytes of keys and values staged (what the WriteBatch will carry, about).
  size_t staged_bytes() const { return staged_bytes_; }
  // The size to reserve for the WriteBatch build() fills: its records'
  // headers included, so it is written once, never grown and copied.
  size_t batch_bytes() const;

  // Fills batch with every staged change (and the counters when they differ
  // from `persisted`, the counters last known to be in the database).
  Result<void> build(const Counters& persisted, rocksdb::WriteBatch* batch) const;
  // The mailboxes staged by this group that still exist, for the change feed.
  std::vector<MailboxInfo> touched_mailboxes() const;
  // Every mailbox id staged (put or erased) by this group.
  const std::set<MailboxId>& touched_ids() const { return touched_; }

 private:
  using Overlay = std::map<std::string, std::optional<std::string>>;
  // One overwritten overlay entry: absent before (was_staged false) or its
  // value. The entry itself stays in the map until the undo that removes it
  // (map iterators survive other inserts), so it is named by iterator, not
  // by a copy of its key.
  struct Undo {
    Cf cf;
    Overlay::iterator entry;
    bool was_staged;
    std::optional<std::string> value;
  };
  void stage(Cf cf, std::string key, std::optional<std::string> value);

  const Db& db_;
  Counters counters_;
  const MailboxFloors* floors_;
  std::array<Overlay, kCfCount> staged_;
  std::set<MailboxId> touched_;
  size_t staged_bytes_ = 0;

  bool has_savepoint_ = false;
  bool from_empty_ = false;  // the savepoint was set with nothing staged: no undo log
  // A deque: a request staging 300,000 rows (STORE 1:*) grows it without
  // moving every earlier entry at each reallocation.
  std::deque<Undo> undo_;
  Counters saved_counters_;
  std::set<MailboxId> saved_touched_;
  size_t saved_bytes_ = 0;
};

}  // namespace loft::storage::rocks

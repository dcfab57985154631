// The staged state of one commit group. Requests in a group see each other's
// changes through this overlay (the committer is the only writer, so the
// database plus the overlay is the whole truth); nothing reaches RocksDB
// until build() turns the overlay into one WriteBatch. Dropping a GroupTxn
// rolls the group back.
#pragma once

#include <array>
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

class GroupTxn {
 public:
  GroupTxn(const Db& db, const Counters& counters) : db_(db), counters_(counters) {}

  // Counters as advanced by this group; committed only if the write succeeds.
  Counters& counters() { return counters_; }

  // The current value of key: staged if staged, else from the database.
  Result<std::optional<std::string>> get(Cf cf, const std::string& key) const;
  // Every key/value under prefix, ascending, staged changes applied.
  Result<std::vector<std::pair<std::string, std::string>>> scan(Cf cf, const std::string& prefix) const;
  void put(Cf cf, std::string key, std::string value);
  void erase(Cf cf, std::string key);

  // Typed helpers over get/put; nullopt when absent, Errc::internal when corrupt.
  Result<std::optional<MailboxInfo>> mailbox(MailboxId id) const;
  // Stages a mailbox record and remembers it for the change feed.
  void put_mailbox(const MailboxInfo& info);
  void erase_mailbox(MailboxId id);
  Result<std::optional<BlobRecord>> blob(BlobId id) const;

  // Fills batch with every staged change (and the counters when changed).
  Result<void> build(const Counters& committed, rocksdb::WriteBatch* batch) const;
  // The mailboxes staged by this group that still exist, for the change feed.
  std::vector<MailboxInfo> touched_mailboxes() const;

 private:
  using Overlay = std::map<std::string, std::optional<std::string>>;
  const Db& db_;
  Counters counters_;
  std::array<Overlay, kCfCount> staged_;
  std::set<MailboxId> touched_;
};

}  // namespace loft::storage::rocks

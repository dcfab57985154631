// Store::check: the invariants of docs/storage.md as a table of independent
// checks over one snapshot, and the safe repairs, applied through the
// committer. This header names no RocksDB type, so tests may include it.
//
// Adding an invariant is one entry in kChecks (check_rules.cc): a name, the
// invariant in one line, and a function that reads the Inventory and reports
// Findings, each with an optional Fix. If the check needs a record the
// Inventory does not load yet, add a field and fill it in check_load.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "storage/rocks/keys.h"
#include "storage/store.h"

namespace loft::storage::rocks {

class Db;
class Committer;
class GroupTxn;

// --- what the checks read: every metadata record and every chunk key, from one snapshot.

struct MailboxRow {
  MailboxInfo info;
  std::string raw;  // the stored value, the guard of a repair
};
struct MessageRow {  // keywords and dates are not needed by any check
  MailboxId mailbox = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;
  uint32_t flags = 0;
  uint64_t size = 0;
  uint64_t header_size = 0;
  BlobId blob = 0;
};
struct BlobRow {
  BlobRecord record;
  std::string raw;
};
struct NameRow {
  AccountId account = 0;
  std::string name;
  MailboxId mailbox = 0;
};
struct LogRow {  // a kChangesCf or kIndexJobsCf row (the same key layout)
  MailboxId mailbox = 0;
  uint64_t modseq = 0;
  uint32_t uid = 0;
  ChangeKind kind = ChangeKind::present;  // kChangesCf only
  IndexJobRecord job;                     // kIndexJobsCf only
  std::string raw;                        // kIndexJobsCf only: the guard of a repair
};
struct QuotaRow {
  QuotaRecord record;
  std::string raw;
};
struct BadRecord {  // a key or value that does not decode
  Cf cf = kMetaCf;
  std::string key;
};

// Messages are kept as fixed-size rows (about 64 bytes each) and chunks as
// their indices only, so a check of a million messages needs well under 1 GiB.
struct Inventory {
  std::optional<Counters> counters;  // nullopt: absent (a new store) or bad
  uint64_t blob_ids_end = 0;         // the blob_ids reservation (0: absent)
  std::map<std::string, AccountRecord> accounts;  // by name
  std::vector<NameRow> names;
  std::map<MailboxId, MailboxRow> mailboxes;
  std::vector<MessageRow> messages;  // ascending (mailbox, uid)
  std::map<BlobId, BlobRow> blobs;
  std::map<BlobId, std::vector<uint32_t>> chunks;  // chunk indices present, ascending
  std::set<BlobId> pending;                        // bodies being written (kPendingCf)
  std::map<BlobId, std::string> pending_raw;       // their rows' values: the guard of a repair
  // The first blob id of this open (BlobIds::first); a pending body below it
  // is a crash's leftover that open should have removed. 0: unknown, not checked.
  BlobId open_blob_floor = 0;
  std::vector<LogRow> changes;                     // ascending key order
  std::map<AccountId, QuotaRow> quotas;
  std::vector<LogRow> index_jobs;                  // ascending key order
  // Mailboxes deleted but not yet purged (purge.h): their record as kept in
  // the marker. Their messages and change log are not orphans.
  std::map<MailboxId, MailboxInfo> purging;
  std::vector<BadRecord> bad;
};

// Reads the whole store through one RocksDB snapshot.
Result<Inventory> load_inventory(const Db& db);

// --- what the checks report.

// Reads and writes of a repair inside the committer's group. A repair may
// only rewrite records it guarded (Fix::guards) or that depend on them.
class Editor {
 public:
  explicit Editor(GroupTxn& txn) : txn_(txn) {}
  // The current value, earlier requests and fixes of the group included.
  Result<std::optional<std::string>> get(Cf cf, const std::string& key) const;
  // Stage a write or a delete in the group (committed with it, or not at all).
  void put(Cf cf, std::string key, std::string value);
  void erase(Cf cf, std::string key);
  // The current mailbox record, raised to the committer's floors (nullopt: absent).
  Result<std::optional<MailboxInfo>> mailbox(MailboxId id) const;
  // Stages a mailbox record so that the change feed sees it.
  void put_mailbox(const MailboxInfo& info);
  // The committer's counters; raised values are written with the batch.
  Counters& counters();
  // True if this repair already rewrote (cf, key).
  bool touched(Cf cf, const std::string& key) const;

 private:
  GroupTxn& txn_;
  std::map<std::pair<Cf, std::string>, bool> touched_;
};

// A safe repair. It is applied only if every guarded record still holds the
// value seen in the snapshot (nullopt: still absent), or was rewritten by an
// earlier fix of the same repair; otherwise it is skipped and reported.
struct Fix {
  struct Guard {
    Cf cf = kMetaCf;
    std::string key;
    std::optional<std::string> seen;
  };
  std::vector<Guard> guards;
  std::string action;  // what apply does, e.g. "refcount set to 2"
  std::function<Result<void>(Editor&)> apply;
};

struct Finding {
  std::string subject;
  std::string detail;
  std::optional<Fix> fix;  // nullopt: cannot be repaired safely
};
using Findings = std::vector<Finding>;

struct Check {
  const char* name;       // stable, shown by loftctl check
  const char* invariant;  // the invariant, as in docs/storage.md
  void (*run)(const Inventory& inv, Findings& out);
};

// The table of checks, in the order they run.
std::span<const Check> checks();

// Loads the inventory, runs every check and, with repair, applies the fixes
// in one committer request. Store::check of RocksStore. open_blob_floor:
// BlobIds::first of the open store (0: pending bodies are not checked).
Result<std::vector<CheckIssue>> run_checks(const Db& db, Committer& committer, bool repair,
                                           BlobId open_blob_floor = 0);

// --- test hooks

// Runs hook in run_checks after the snapshot was read and before the repair
// is queued (tests only, not thread-safe): lets a test change the store in
// between and see the guarded fixes skipped. An empty function removes it.
void set_before_repair_hook_for_testing(std::function<void()> hook);

// One raw change: value nullopt erases the key.
struct RawEdit {
  Cf cf = kMetaCf;
  std::string key;
  std::optional<std::string> value;
};

// Opens the database at path (no store may have it open) and writes edits
// as they are, bypassing every rule: lets tests corrupt a store on purpose.
Result<void> edit_raw_for_testing(const std::string& path, std::span<const RawEdit> edits);

}  // namespace loft::storage::rocks

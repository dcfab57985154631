// The in-memory index of one mailbox (UID, flags, keywords, modseq per
// message, ascending UID), shared by every session of one loop that has the
// mailbox selected (issue "shared mailbox views"). It is loaded once, kept
// current by the store's change events without reloading, and tells each
// attached MailboxView what changed, so a session keeps only what it has not
// reported yet. Loop-thread only; one index per (loop, mailbox).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "storage/types.h"

namespace loft::server {
class Connection;
class Server;
}

namespace loft::server::imap {

class MailboxView;

class SharedIndex : public std::enable_shared_from_this<SharedIndex> {
 public:
  // One message: 16 bytes. bits = system flags (low 8 bits) | keyword set id << 8.
  struct Entry {
    uint32_t uid = 0;
    uint32_t bits = 0;
    uint64_t modseq = 0;
    uint32_t flags() const { return bits & 0xffu; }
    uint32_t keyword_set() const { return bits >> 8; }
    // Orders entries against a UID, for lower_bound over ascending entries.
    static bool uid_before(const Entry& e, uint32_t uid) { return e.uid < uid; }
  };

  explicit SharedIndex(storage::MailboxId mailbox) : mailbox_(mailbox) {}
  ~SharedIndex();
  SharedIndex(const SharedIndex&) = delete;
  SharedIndex& operator=(const SharedIndex&) = delete;

  // The calling loop's index of mailbox, created (and watching the change
  // feed, before any load, so no event is missed) if none is alive.
  static std::shared_ptr<SharedIndex> acquire(Server& server, storage::MailboxId mailbox);
  // Starts loading on a worker through conn's offload if nobody has; when it
  // is done every attached view waiting for it is started (or failed).
  void ensure_loading(Connection& conn);

  storage::MailboxId mailbox() const { return mailbox_; }
  bool loaded() const { return loaded_; }
  // Sets the contents read from the store, then applies the changes that
  // arrived since the watch began (idempotent: older modseqs are ignored).
  void load(std::vector<storage::MessageSummary> index);
  // A failed load: waiting views are told, the next SELECT tries again.
  void load_failed(const Error& error);

  // A committed change from the feed: buffered until loaded, then applied
  // and reported to every attached view.
  void apply(const storage::MailboxChange& change);
  // A session's own flag changes of one command (STORE, FETCH \Seen): each
  // applied if newer than what is held, all reported at once to every view
  // but origin, so a command on n messages costs O(n log n), not O(n) each.
  void set_flags(std::span<const storage::MessageSummary> changes, MailboxView* origin);
  // A session's own expunges (sorted_uids ascending): removed in one pass and
  // reported at once to every view but origin.
  void expunge(std::span<const uint32_t> sorted_uids, MailboxView* origin);

  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(uint32_t uid) const;
  std::span<const std::string> keywords(const Entry& e) const;
  // Every keyword some message has, sorted (the FLAGS response, §7.2.6).
  std::vector<std::string> defined_keywords() const;
  uint32_t uidnext() const { return uidnext_; }
  uint64_t highestmodseq() const { return highestmodseq_; }
  // Bytes held (entries and keyword sets), for the benchmark and tests.
  size_t memory() const;

  // A view starts or stops using the index. When the last view of a loaded
  // index detaches, the index stays in this loop's cache of recently used
  // indexes (limits.mailbox_cache_mb, least recently used out first), still
  // following the change feed, so the next SELECT finds it loaded.
  void attach(MailboxView* view);
  void detach(MailboxView* view);
  // Indexes held by this loop's cache (for tests).
  static size_t cached_count();

 private:
  uint32_t intern(std::span<const std::string> keywords);
  // Gives e these flags if modseq is newer than its own; false if not.
  bool take_flags(Entry& e, uint32_t flags, std::span<const std::string> keywords, uint64_t modseq);
  // Removes the entries of the ascending uids; returns the uids that were there.
  std::vector<uint32_t> remove_sorted(std::span<const uint32_t> sorted_uids);
  void compact_keyword_sets();
  // Applies change now and tells every attached view but origin.
  void apply_now(const storage::MailboxChange& change, MailboxView* origin);
  void tell_views(std::span<const uint32_t> expunged, std::span<const uint32_t> flagged, bool added,
                  MailboxView* origin);
  template <class F>
  void for_each_view(MailboxView* skip, F&& f);

  storage::MailboxId mailbox_;
  bool loaded_ = false;
  bool loading_ = false;
  std::vector<Entry> entries_;
  std::vector<std::vector<std::string>> keyword_sets_{{}};  // id 0: no keywords
  std::unordered_map<std::string, uint32_t> keyword_ids_;   // joined set -> id
  uint32_t uidnext_ = 1;
  uint64_t highestmodseq_ = 0;
  std::vector<storage::MailboxChange> early_;  // arrived while loading
  std::vector<MailboxView*> views_;  // null: detached during a walk
  int walking_ = 0;
  Server* server_ = nullptr;
  uint64_t watch_ = 0;
};

}  // namespace loft::server::imap

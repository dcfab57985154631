// The mail store: accounts, mailboxes, messages (UID, flags, dates, sizes,
// modseq) and message bodies, on RocksDB. It knows nothing of any protocol.
//
// Threading: every call blocks (disk I/O) and is safe from any number of
// threads at once; call it from worker threads, never from the event loop.
// Mutations go through one committer thread that groups concurrent requests
// into one WriteBatch and one WAL fsync (group commit); a mutating call
// returns only after its batch is durable. The *_async variants return at
// once and complete on the committer thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::storage {

using AccountId = uint64_t;
using MailboxId = uint64_t;
using BlobId = uint64_t;

// System flags as a bitmask (RFC 3501 §2.3.2). \Recent is per session and
// is not stored.
enum Flag : uint32_t {
  kSeen = 1u << 0,
  kAnswered = 1u << 1,
  kFlagged = 1u << 2,
  kDeleted = 1u << 3,
  kDraft = 1u << 4,
};

struct Options {
  std::string path;              // directory holding the RocksDB database
  bool sync = true;              // fsync the WAL before acknowledging (tests may turn off)
  size_t max_group = 512;        // most requests folded into one commit
  size_t chunk_size = 64 * 1024; // bodies are stored in chunks of this many bytes
};

struct Account {
  AccountId id = 0;
  std::string name;           // lower-case, as stored
  std::string password_hash;  // argon2id string from base/password.h
};

struct MailboxInfo {
  MailboxId id = 0;
  AccountId account = 0;
  std::string name;            // "INBOX" or a '/'-separated path, as created
  uint32_t uidvalidity = 0;    // RFC 3501 §2.3.1.1
  uint32_t uidnext = 1;
  uint64_t highestmodseq = 1;  // RFC 7162
  uint32_t messages = 0;
  uint32_t unseen = 0;
};

// One message in a mailbox. A body shared by several deliveries has one BlobId.
struct MessageMeta {
  uint32_t uid = 0;
  uint64_t modseq = 0;
  uint32_t flags = 0;                 // Flag bits
  std::vector<std::string> keywords;  // user keywords (RFC 3501 §2.3.2), as given
  int64_t internal_date = 0;          // seconds since the epoch, UTC
  int32_t tz_offset_minutes = 0;      // the zone the internal date is shown in
  uint64_t size = 0;                  // RFC822.SIZE: bytes of the stored message
  uint64_t header_size = 0;           // bytes up to and including the blank line (or size)
  BlobId blob = 0;
};

// The part of a message that SELECT keeps in memory: ascending by uid.
struct MessageSummary {
  uint32_t uid = 0;
  uint32_t flags = 0;
  uint64_t modseq = 0;
};

// Where one delivered copy landed.
struct DeliveredCopy {
  AccountId account = 0;
  MailboxId mailbox = 0;
  uint32_t uid = 0;
};

enum class FlagOp { add, remove, replace };

// A stored body, shared by every message that refers to it.
struct BlobInfo {
  uint64_t size = 0;  // bytes of the body
  uint32_t refs = 0;  // messages referring to it; the body is deleted at 0
};

// Counters of the group committer (for tests, monitoring and the admin protocol).
struct StoreStats {
  uint64_t commits = 0;             // successful batch writes, one WAL sync each
  uint64_t committed_requests = 0;  // mutations those writes carried
  uint64_t failed_commits = 0;      // failed batch writes (each request got Errc::temp)
};

// A committed change to a mailbox, published after it is durable. Mailboxes
// removed by delete_account are not published.
struct MailboxChange {
  AccountId account = 0;
  MailboxId mailbox = 0;
  uint32_t uidnext = 0;
  uint32_t messages = 0;
  uint64_t highestmodseq = 0;
};

// In-process publish/subscribe of committed mailbox changes (for IDLE and
// untagged EXISTS/FETCH). Listeners run on the committer thread after the
// batch is synced: they must be quick and must not call back into the store.
class ChangeFeed {
 public:
  using Listener = std::function<void(const MailboxChange&)>;
  virtual ~ChangeFeed() = default;
  // Registers a listener for every change; returns a handle for unsubscribe.
  virtual uint64_t subscribe(Listener listener) = 0;
  // Removes a listener; once this returns it is not running and never runs again.
  virtual void unsubscribe(uint64_t handle) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if missing) the store at options.path. Fails with
  // Errc::in_use when another process holds it.
  static Result<std::unique_ptr<Store>> open(const Options& options);

  // --- accounts (names are case-insensitive; stored lower-case) ---
  // Creates an account with an empty INBOX. Errc::exists if the name is taken.
  virtual Result<Account> create_account(std::string_view name, std::string_view password_hash) = 0;
  // Errc::not_found if there is no such account.
  virtual Result<Account> find_account(std::string_view name) = 0;
  virtual Result<void> set_password(std::string_view name, std::string_view password_hash) = 0;
  // Deletes the account, its mailboxes and messages, and releases its bodies.
  // The account disappears in one commit; messages and bodies then go in
  // bounded slices (resumed at the next open after a crash), and the call
  // returns once they are gone.
  virtual Result<void> delete_account(std::string_view name) = 0;
  // All accounts, sorted by name.
  virtual Result<std::vector<Account>> list_accounts() = 0;

  // --- mailboxes ---
  // "INBOX" matches case-insensitively (RFC 3501 §5.1); other names exactly.
  virtual Result<MailboxInfo> find_mailbox(AccountId account, std::string_view name) = 0;
  virtual Result<std::vector<MailboxInfo>> list_mailboxes(AccountId account) = 0;

  // --- delivery ---
  // Stores body once (chunked, compressed, reference counted) and appends one
  // message to the INBOX of each account, in the given order. Returns after the
  // batch is synced to the WAL. All or nothing.
  virtual Result<std::vector<DeliveredCopy>> deliver(std::string_view body, std::span<const AccountId> accounts,
                                                     int64_t internal_date) = 0;

  // --- reading ---
  // Every message of the mailbox in ascending UID order (what SELECT needs).
  virtual Result<std::vector<MessageSummary>> message_index(MailboxId mailbox) = 0;
  // Metadata for the given UIDs, in the same order; a UID that no longer exists
  // is skipped (callers compare uids).
  virtual Result<std::vector<MessageMeta>> messages(MailboxId mailbox, std::span<const uint32_t> uids) = 0;
  // Bytes [offset, offset + length) of a body, clipped to its size; reads only
  // the chunks that cover the range.
  virtual Result<std::string> read_body(BlobId blob, uint64_t offset, uint64_t length) = 0;

  // --- flags ---
  // Applies op to each existing UID, bumping its modseq when flags change.
  // Returns the new state of every message that still exists.
  virtual Result<std::vector<MessageSummary>> update_flags(MailboxId mailbox, std::span<const uint32_t> uids,
                                                           FlagOp op, uint32_t flags) = 0;

  // --- asynchronous mutations ---
  // The same mutations without waiting: each returns at once and `done` runs
  // on the store's committer thread once the batch is durable (or failed);
  // concurrent calls share one WAL sync. `done` must be quick, must not throw,
  // and must not call the blocking mutations (post the result to your own
  // loop instead). deliver_async compresses `body` on the calling thread.
  template <class T>
  using Done = std::function<void(Result<T>)>;
  virtual void deliver_async(std::string_view body, std::span<const AccountId> accounts, int64_t internal_date,
                             Done<std::vector<DeliveredCopy>> done) = 0;
  virtual void update_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op, uint32_t flags,
                                  Done<std::vector<MessageSummary>> done) = 0;
  virtual void expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) = 0;

  // --- removal ---
  // Removes the messages with these UIDs that exist (others are skipped),
  // releasing their bodies (a body is deleted with its last reference), and
  // updates the mailbox's counts and HIGHESTMODSEQ. Durable on return.
  // Returns the UIDs actually removed, in the order given.
  virtual Result<std::vector<uint32_t>> expunge(MailboxId mailbox, std::span<const uint32_t> uids) = 0;

  // Size and reference count of a body; Errc::not_found once it is deleted.
  virtual Result<BlobInfo> blob_info(BlobId blob) = 0;

  // The change feed of this store.
  virtual ChangeFeed& changes() = 0;
  // Group-commit counters since open.
  virtual StoreStats stats() = 0;
  // True once a write failed in a way the store cannot recover from in
  // process (a WAL write or sync error): every mutation now fails at once
  // with Errc::temp. loftd exits non-zero so that its supervisor restarts it.
  virtual bool failed() = 0;
};

// read_body for a range the caller knows lies within the body (from its
// MessageMeta): a shorter answer means the store lost bytes, Errc::internal.
inline Result<std::string> read_body_exact(Store& store, BlobId blob, uint64_t offset, uint64_t length) {
  auto bytes = store.read_body(blob, offset, length);
  if (bytes && bytes->size() != length) return Error{Errc::internal, "stored body is truncated"};
  return bytes;
}

}  // namespace loft::storage

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
#include "storage/metadata.h"
#include "storage/types.h"

namespace loft::storage {

// A body being received, written to the store chunk by chunk as it arrives
// (bounded memory whatever the size). Obtained from Store::begin_body; then
// given to Store::deliver or Store::append, which link it to messages.
// Destroying a writer that was not linked removes what it wrote.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // Appends bytes to the body; full chunks are compressed and written now.
  virtual Result<void> write(std::string_view bytes) = 0;
  // Opaque bytes from the layer above (the MIME structure), stored with the
  // body and returned by Store::read_structure.
  virtual void set_structure(std::string structure) = 0;
  // Bytes written so far.
  virtual uint64_t size() const = 0;
  // The id the body is stored under (unique in the store, never reused).
  virtual BlobId blob() const = 0;
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

// One broken invariant found by Store::check (docs/storage.md, "Invariants").
struct CheckIssue {
  std::string check;     // the check's name, e.g. "blob-refcount"
  std::string subject;   // the record, e.g. "blob 42"
  std::string detail;    // what is wrong (and what repair did or why it did not)
  bool repaired = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens (creating if missing) the store at options.path. Fails with
  // Errc::in_use when another process holds it.
  static Result<std::unique_ptr<Store>> open(const Options& options);

  // --- accounts (names are case-insensitive; stored lower-case) ---
  // Creates an account with an empty INBOX and the special-use mailboxes
  // Drafts, Sent, Trash, Junk, Archive, all subscribed. Errc::exists if taken.
  virtual Result<Account> create_account(std::string_view name, std::string_view password_hash) = 0;
  // Errc::not_found if there is no such account.
  virtual Result<Account> find_account(std::string_view name) = 0;
  virtual Result<void> set_password(std::string_view name, std::string_view password_hash) = 0;
  // Deletes the account, its mailboxes, messages, subscriptions and quota,
  // and releases its bodies. The account disappears in one commit; messages
  // and bodies then go in bounded slices (resumed at the next open after a
  // crash), and the call returns once they are gone.
  virtual Result<void> delete_account(std::string_view name) = 0;
  // All accounts, sorted by name.
  virtual Result<std::vector<Account>> list_accounts() = 0;

  // --- mailboxes ---
  // "INBOX" matches case-insensitively (RFC 3501 §5.1); other names exactly.
  virtual Result<MailboxInfo> find_mailbox(AccountId account, std::string_view name) = 0;
  virtual Result<std::vector<MailboxInfo>> list_mailboxes(AccountId account) = 0;
  // Creates a mailbox (RFC 3501 §6.3.3). Errc::exists if the name is taken,
  // bad_input for an empty name.
  virtual Result<MailboxInfo> create_mailbox(AccountId account, std::string_view name, uint32_t special_use = 0) = 0;
  // Deletes a mailbox and its messages (RFC 3501 §6.3.4); INBOX is Errc::perm.
  // Inferior names stay.
  virtual Result<void> delete_mailbox(AccountId account, std::string_view name) = 0;
  // Renames a mailbox with every name under "from/" (RFC 3501 §6.3.5); ids,
  // UIDVALIDITY and UIDs stay. Renaming INBOX moves its messages into a new
  // mailbox `to` and leaves INBOX empty. Errc::exists if a new name is taken.
  virtual Result<void> rename_mailbox(AccountId account, std::string_view from, std::string_view to) = 0;
  // Sets a mailbox's special-use bits (RFC 6154).
  virtual Result<void> set_special_use(MailboxId mailbox, uint32_t special_use) = 0;
  // Every keyword ever set on a message of the mailbox, sorted (PERMANENTFLAGS).
  virtual Result<std::vector<std::string>> mailbox_keywords(MailboxId mailbox) = 0;

  // --- subscriptions (RFC 3501 §6.3.6): kept apart from existence ---
  virtual Result<void> subscribe(AccountId account, std::string_view name) = 0;
  // Not subscribed is not an error.
  virtual Result<void> unsubscribe(AccountId account, std::string_view name) = 0;
  // Subscribed names, sorted; a name may have no mailbox.
  virtual Result<std::vector<std::string>> subscriptions(AccountId account) = 0;

  // --- delivery ---
  // A new body writer, under a blob id never handed out before.
  virtual Result<std::unique_ptr<BodyWriter>> begin_body() = 0;
  // Links the written body to one new message per target, in one synced
  // batch; one outcome per target, in order. A target that fails (not_found,
  // no_quota, limit) gets nothing; the others are stored. When no target
  // succeeds the body is removed. The writer is spent either way.
  virtual Result<std::vector<DeliveryOutcome>> deliver(BodyWriter& body, std::span<const DeliveryTarget> targets) = 0;
  // MULTIAPPEND (RFC 3502): links bodies[i] to one new message at targets[i]
  // (same count, at least one) in one synced batch, all or none: the first
  // failing target (not_found, no_quota, limit) is the call's error and
  // nothing is stored. Copies in order; every writer is spent either way.
  virtual Result<std::vector<DeliveredCopy>> append_many(std::span<BodyWriter* const> bodies,
                                                         std::span<const DeliveryTarget> targets) = 0;
  // REPLACE (RFC 8508): links the body to one new message at target and
  // expunges message old_uid of old_mailbox, in one synced batch, all or
  // none (a crash leaves exactly one of the two visible): Errc::expunged when
  // the old message is gone, else target's errors as append_many. Spends the writer.
  virtual Result<DeliveredCopy> replace(BodyWriter& body, const DeliveryTarget& target, MailboxId old_mailbox,
                                        uint32_t old_uid) = 0;
  // deliver with one target whose failure is the call's failure (APPEND).
  Result<DeliveredCopy> append(BodyWriter& body, const DeliveryTarget& target);
  // A whole body to the INBOX of each account (tests, import). Fails with the
  // first failing target's error; the targets that succeeded are stored.
  Result<std::vector<DeliveredCopy>> deliver(std::string_view body, std::span<const AccountId> accounts,
                                             int64_t internal_date);

  // --- reading ---
  // Every message of the mailbox in ascending UID order (what SELECT needs).
  virtual Result<std::vector<MessageSummary>> message_index(MailboxId mailbox) = 0;
  // UID and size of every message of the mailbox in ascending UID order, in
  // one pass (a POP3 login): no second read per message.
  virtual Result<std::vector<MessageSize>> message_sizes(MailboxId mailbox) = 0;
  // Metadata for the given UIDs, in the same order; a UID that no longer exists
  // is skipped (callers compare uids).
  virtual Result<std::vector<MessageMeta>> messages(MailboxId mailbox, std::span<const uint32_t> uids) = 0;
  // Bytes [offset, offset + length) of a body, clipped to its size; reads only
  // the chunks that cover the range.
  virtual Result<std::string> read_body(BlobId blob, uint64_t offset, uint64_t length) = 0;

  // --- flags ---
  // Applies op to each existing UID, bumping its modseq when flags change.
  // Returns the new state of every message that still exists.
  Result<std::vector<MessageSummary>> update_flags(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op,
                                                   uint32_t flags);

  // --- removal ---
  // Removes the messages with these UIDs that exist (others are skipped),
  // releasing their bodies (a body is deleted with its last reference), and
  // updates the mailbox's counts and HIGHESTMODSEQ. Durable on return.
  // Returns the UIDs actually removed, in the order given.
  virtual Result<std::vector<uint32_t>> expunge(MailboxId mailbox, std::span<const uint32_t> uids) = 0;

  // --- asynchronous mutations ---
  // The same mutations without waiting: each returns at once and `done` runs
  // on the store's committer thread once the batch is durable (or failed);
  // concurrent calls share one WAL sync. `done` must be quick, must not throw,
  // and must not call the blocking mutations (post the result to your own
  // loop instead).
  template <class T>
  using Done = std::function<void(Result<T>)>;
  // deliver(BodyWriter&, targets) without waiting; the store keeps the writer
  // until the batch is durable, then links or removes its body.
  virtual void deliver_async(std::unique_ptr<BodyWriter> body, std::span<const DeliveryTarget> targets,
                             Done<std::vector<DeliveryOutcome>> done) = 0;
  // deliver(string_view, accounts, date) without waiting; the body is written
  // (chunked, compressed) on the calling thread before this returns.
  void deliver_async(std::string_view body, std::span<const AccountId> accounts, int64_t internal_date,
                     Done<std::vector<DeliveredCopy>> done);
  virtual void store_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, const FlagChange& change,
                                 Done<FlagResult> done) = 0;
  // update_flags without waiting (a wrapper over store_flags_async).
  void update_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op, uint32_t flags,
                          Done<std::vector<MessageSummary>> done);
  virtual void expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) = 0;
  // expunge_async of those of uids that still carry \Deleted when the commit
  // reaches them (IMAP EXPUNGE: a flag cleared since the caller looked keeps
  // its message).
  virtual void expunge_deleted_async(MailboxId mailbox, std::span<const uint32_t> uids,
                                     Done<std::vector<uint32_t>> done) = 0;
  // append_many / replace without waiting (MULTIAPPEND, REPLACE); same
  // outcomes. The store keeps the writers until the batch is durable.
  virtual void append_many_async(std::vector<std::unique_ptr<BodyWriter>> bodies,
                                 std::span<const DeliveryTarget> targets, Done<std::vector<DeliveredCopy>> done) = 0;
  virtual void replace_async(std::unique_ptr<BodyWriter> body, const DeliveryTarget& target, MailboxId old_mailbox,
                             uint32_t old_uid, Done<DeliveredCopy> done) = 0;
  // copy / move without waiting (IMAP COPY and MOVE); same outcomes.
  virtual void copy_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) = 0;
  virtual void move_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) = 0;

  // Copies messages into `to` (RFC 4315 COPYUID); bodies are shared, never
  // copied. UIDs that do not exist are skipped. Errc::no_quota before
  // anything is stored if the destination account would go over its limit.
  virtual Result<CopyResult> copy(MailboxId from, std::span<const uint32_t> uids, MailboxId to) = 0;
  // copy and expunge from the source in one batch (RFC 6851).
  virtual Result<CopyResult> move(MailboxId from, std::span<const uint32_t> uids, MailboxId to) = 0;
  // Applies a flag/keyword change to each existing UID (RFC 7162 §3.1.3).
  virtual Result<FlagResult> store_flags(MailboxId mailbox, std::span<const uint32_t> uids,
                                         const FlagChange& change) = 0;

  // --- changes (RFC 7162) ---
  // Messages whose modseq is above `modseq`, ascending by modseq; costs in
  // proportion to the changes.
  virtual Result<std::vector<MessageSummary>> changed_since(MailboxId mailbox, uint64_t modseq) = 0;
  // UIDs expunged at a modseq above `modseq`, ascending by modseq.
  virtual Result<std::vector<uint32_t>> expunged_since(MailboxId mailbox, uint64_t modseq) = 0;

  // --- quota ---
  virtual Result<Quota> quota(AccountId account) = 0;
  // Sets the limits (0: none); usage is kept by the store.
  virtual Result<void> set_quota(AccountId account, uint64_t byte_limit, uint64_t message_limit) = 0;

  // --- annotations (storage/metadata.h, docs/storage.md "metadata") ---
  // Applies every write to the annotations of `mailbox` (0: the account's own,
  // "server" ones) in one synced batch, all or none. Errc::not_found if the
  // mailbox does not exist or is not the account's; too_big / limit when a
  // bound of `limits` would be passed. Deleting an absent name is no error.
  virtual Result<void> set_metadata(AccountId account, MailboxId mailbox, std::span<const MetadataWrite> writes,
                                    const MetadataLimits& limits) = 0;
  // The annotation `name` (if set) and, by depth, those below it ("name/..."),
  // sorted by name. Errc::not_found as set_metadata.
  virtual Result<std::vector<MetadataEntry>> get_metadata(AccountId account, MailboxId mailbox, std::string_view name,
                                                          MetadataDepth depth) = 0;
  // What the account's annotations use, server and mailboxes together.
  virtual Result<MetadataUsage> metadata_usage(AccountId account) = 0;

  // --- search hooks ---
  // At most `max` pending index jobs, in order.
  virtual Result<std::vector<IndexJob>> index_jobs(size_t max) = 0;
  // Deletes jobs once processed (each identified by mailbox, modseq, uid).
  virtual Result<void> delete_index_jobs(std::span<const IndexJob> jobs) = 0;

  // The structure bytes stored with a body (empty when none was given).
  virtual Result<std::string> read_structure(BlobId blob) = 0;
  // read_structure for many bodies in one snapshot and one batched read
  // (SORT, THREAD): out[i] for blobs[i], empty when none is stored.
  virtual Result<std::vector<std::string>> read_structures(std::span<const BlobId> blobs) = 0;
  // Size and reference count of a body; Errc::not_found once it is deleted.
  virtual Result<BlobInfo> blob_info(BlobId blob) = 0;

  // A secret of this store (16 random bytes, created at its first
  // open and kept with the data), from which the layer above derives object
  // identifiers that reveal nothing of internal ids (RFC 8474 §7).
  virtual const std::string& object_key() const = 0;

  // The change feed of this store.
  virtual ChangeFeed& changes() = 0;
  // Group-commit counters since open.
  virtual StoreStats stats() = 0;
  // True once a write failed in a way the store cannot recover from in
  // process (a WAL write or sync error): every mutation now fails at once
  // with Errc::temp. loftd exits non-zero so that its supervisor restarts it.
  virtual bool failed() = 0;

  // Verifies every invariant of docs/storage.md on a snapshot; with repair,
  // fixes what is safe to fix through the committer (a record changed since
  // the snapshot is left alone). Every issue found, repaired or not.
  virtual Result<std::vector<CheckIssue>> check(bool repair) = 0;
};

// read_body for a range the caller knows lies within the body (from its
// MessageMeta): a shorter answer means the store lost bytes, Errc::internal.
inline Result<std::string> read_body_exact(Store& store, BlobId blob, uint64_t offset, uint64_t length) {
  auto bytes = store.read_body(blob, offset, length);
  if (bytes && bytes->size() != length) return Error{Errc::internal, "stored body is truncated"};
  return bytes;
}

}  // namespace loft::storage

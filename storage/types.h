// The values the Store's calls take and return (storage/store.h): ids,
// flags, mailbox and message records, delivery targets and outcomes, change
// events, quota and index jobs. No behaviour here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
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

// Special-use attributes of a mailbox as a bitmask (RFC 6154 §2).
enum SpecialUse : uint32_t {
  kUseAll = 1u << 0,
  kUseArchive = 1u << 1,
  kUseDrafts = 1u << 2,
  kUseFlagged = 1u << 3,
  kUseJunk = 1u << 4,
  kUseSent = 1u << 5,
  kUseTrash = 1u << 6,
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
  uint32_t special_use = 0;    // SpecialUse bits (RFC 6154)
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
  // When the message was saved into this mailbox (delivery, append, copy,
  // move), seconds since the epoch (RFC 8514 §3); nullopt for messages
  // stored before records carried it (docs/storage.md, message version 1).
  std::optional<int64_t> save_date;
};

// The part of a message that SELECT keeps in memory: ascending by uid.
struct MessageSummary {
  uint32_t uid = 0;
  uint32_t flags = 0;
  uint64_t modseq = 0;
  std::vector<std::string> keywords;  // user keywords (RFC 3501 §2.3.2), as stored
};

// A message's UID and RFC822.SIZE: what a POP3 maildrop listing needs.
struct MessageSize {
  uint32_t uid = 0;
  uint64_t size = 0;
};

// Where one delivered copy landed.
struct DeliveredCopy {
  AccountId account = 0;
  MailboxId mailbox = 0;
  uint32_t uid = 0;
  uint32_t uidvalidity = 0;  // for APPENDUID (RFC 4315 §3)
};

// One place a body is delivered to: a mailbox of an account, with the state
// the new message starts in.
struct DeliveryTarget {
  AccountId account = 0;
  std::string mailbox = "INBOX";      // as in find_mailbox
  uint32_t flags = 0;                 // Flag bits
  std::vector<std::string> keywords;  // user keywords
  int64_t internal_date = 0;          // seconds since the epoch, UTC
  int32_t tz_offset_minutes = 0;
};

// The outcome of one target: a copy, or why that target got nothing
// (not_found: no such account or mailbox; no_quota; limit: out of UIDs).
using DeliveryOutcome = Result<DeliveredCopy>;

// UIDPLUS COPYUID (RFC 4315 §3): the destination's UIDVALIDITY and, for every
// message copied, its source UID and new UID, in the order given.
struct CopyResult {
  uint32_t uidvalidity = 0;
  std::vector<std::pair<uint32_t, uint32_t>> uids;
};

enum class FlagOp { add, remove, replace };

// A flag and keyword change (RFC 3501 §6.4.6 STORE, RFC 7162 §3.1.3).
struct FlagChange {
  FlagOp op = FlagOp::add;
  uint32_t flags = 0;                  // Flag bits
  std::vector<std::string> keywords;   // user keywords, case-insensitive
  std::optional<uint64_t> unchanged_since;  // UNCHANGEDSINCE: skip newer messages
};

// The outcome of a FlagChange: the state of every existing message it was
// applied to, and the UIDs that failed the UNCHANGEDSINCE test (MODIFIED).
struct FlagResult {
  std::vector<MessageSummary> updated;
  std::vector<uint32_t> modified;
};

// A message changed or added: its state after the change.
struct ChangedMessage {
  uint32_t uid = 0;
  uint32_t flags = 0;
  uint64_t modseq = 0;
  std::vector<std::string> keywords;
};

// Storage used by an account and its limits (0: no limit).
struct Quota {
  uint64_t bytes = 0;          // RFC822.SIZE of every message, copies counted each
  uint64_t messages = 0;
  uint64_t byte_limit = 0;
  uint64_t message_limit = 0;
};

// A job for the search indexer, written in the batch that stored or expunged
// the message. Jobs come out ascending by (mailbox, modseq, uid).
struct IndexJob {
  bool add = true;  // false: remove the message from the index
  AccountId account = 0;
  MailboxId mailbox = 0;
  uint32_t uid = 0;
  uint64_t modseq = 0;
  BlobId blob = 0;
};

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

// A change to an account's mailbox names, subscriptions or annotations,
// for RFC 5465 NOTIFY (MailboxName, SubscriptionChange, MailboxMetadataChange,
// ServerMetadataChange). Published in a MailboxChange of its own whose
// mailbox is 0, so that no mailbox's watchers see it.
struct ListChange {
  enum class Kind : uint8_t { created, deleted, renamed, subscribed, unsubscribed, metadata };
  Kind kind = Kind::created;
  MailboxId mailbox = 0;             // the mailbox (0: subscriptions, server annotations)
  std::string name;                  // stored name (renamed: the new one); empty for metadata
  std::string old_name;              // renamed only
  std::vector<std::string> entries;  // metadata only: the entry names written
};

// A committed change to a mailbox, published after it is durable, with what
// changed so that a session updates without reloading. Mailboxes removed by
// delete_account or delete_mailbox are not published as message changes
// (their removal is a ListChange::deleted).
struct MailboxChange {
  AccountId account = 0;
  MailboxId mailbox = 0;
  uint32_t uidnext = 0;
  uint32_t messages = 0;
  uint64_t highestmodseq = 0;
  std::vector<ChangedMessage> added;    // new messages, ascending UID
  std::vector<ChangedMessage> changed;  // flags or keywords changed
  std::vector<uint32_t> expunged;       // UIDs removed
  std::vector<ListChange> list;         // mailbox == 0 only: name, subscription, annotation changes
};

// A MailboxChange that carries one ListChange of account.
inline MailboxChange list_change(AccountId account, ListChange change) {
  MailboxChange c;
  c.account = account;
  c.list.push_back(std::move(change));
  return c;
}

}  // namespace loft::storage

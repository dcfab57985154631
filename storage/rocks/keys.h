// The RocksDB schema: column families, key builders and value codecs.
// docs/storage.md describes every byte; keep the two in step. Integers are
// big-endian so that keys sort numerically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace loft::storage::rocks {

// Column families, in the order they are opened (index into Db::cf).
enum Cf : size_t {
  kMetaCf = 0,      // "default": store-wide counters
  kAccountsCf,      // lower-case account name -> AccountRecord
  kMailboxNamesCf,  // account id + mailbox name -> mailbox id
  kMailboxesCf,     // mailbox id -> MailboxInfo
  kMessagesCf,      // mailbox id + uid -> MessageMeta
  kBlobsCf,         // blob id -> BlobRecord
  kChunksCf,        // blob id + chunk index -> codec byte + chunk bytes
  // Added in schema 2 (docs/storage.md); a schema-1 store gets them empty.
  kPendingCf,       // blob id -> time the write began: a body not yet linked
  kStructuresCf,    // blob id -> opaque structure bytes from the layer above
  kSubscriptionsCf, // account id + mailbox name -> marker
  kKeywordsCf,      // mailbox id + keyword -> marker (keywords ever set there)
  kChangesCf,       // mailbox id + modseq + uid -> present | expunged
  kQuotasCf,        // account id -> usage and limits
  kIndexJobsCf,     // mailbox id + modseq + uid -> add | remove job for search
  kMetadataCf,      // annotations (RFC 5464) and their per-account usage: metadata_ops.h
  kCfCount,
};

// RocksDB's names of the column families above, indexed by Cf.
extern const char* const kCfNames[kCfCount];

// The one key of kMetaCf that holds the counters.
inline constexpr std::string_view kCountersKey = "counters";
// The key of kMetaCf holding the end of the blob ids reserved so far.
inline constexpr std::string_view kBlobIdsKey = "blob_ids";
// The key of kMetaCf holding the store's object-id key: v + 16 random bytes,
// written at the first open (docs/storage.md, "object_key").
inline constexpr std::string_view kObjectKeyKey = "object_key";
inline constexpr size_t kObjectKeySize = 16;
// The name under which every account's INBOX is stored.
inline constexpr std::string_view kInboxName = "INBOX";

// Store-wide counters; the committer owns them in memory between groups.
struct Counters {
  uint64_t next_account = 1;
  uint64_t next_mailbox = 1;
  uint64_t next_blob = 1;
  uint32_t last_uidvalidity = 0;  // the most recent UIDVALIDITY handed out
};

struct AccountRecord {
  AccountId id = 0;
  std::string password_hash;
};

// One stored body: how many messages refer to it and how it is chunked.
struct BlobRecord {
  uint32_t refs = 0;
  uint64_t size = 0;
  uint32_t chunk_size = 0;  // as written; Options::chunk_size may change later
};

// What a kChangesCf row says about (mailbox, modseq, uid).
enum class ChangeKind : char { present = 1, expunged = 2 };
// What a kIndexJobsCf row asks the indexer to do.
struct IndexJobRecord {
  bool add = true;
  AccountId account = 0;
  BlobId blob = 0;
};
// Per-account usage and limits (0: no limit).
struct QuotaRecord {
  uint64_t bytes = 0, messages = 0, byte_limit = 0, message_limit = 0;
};

// Number of chunks a body of `size` bytes occupies.
uint32_t chunk_count(const BlobRecord& blob);

// --- keys ---
std::string id_key(uint64_t id);  // kMailboxesCf, kBlobsCf
std::string mailbox_name_key(AccountId account, std::string_view name);
std::string message_key(MailboxId mailbox, uint32_t uid);
std::string chunk_key(BlobId blob, uint32_t index);
// kChangesCf and kIndexJobsCf: 20 bytes, ascending by modseq within a mailbox.
std::string change_key(MailboxId mailbox, uint64_t modseq, uint32_t uid);
// kSubscriptionsCf (account id + name) and kKeywordsCf (mailbox id + keyword).
std::string id_name_key(uint64_t id, std::string_view name);
// The exclusive upper bound of all keys starting with `prefix`.
std::string prefix_end(std::string_view prefix);

// --- values (decoders return nullopt on a malformed value) ---
std::string encode_counters(const Counters& c);
std::optional<Counters> decode_counters(std::string_view v);
std::string encode_account(const AccountRecord& a);
std::optional<AccountRecord> decode_account(std::string_view v);
// The mailbox id and account live in the key/record; the name is stored too.
std::string encode_mailbox(const MailboxInfo& m);
std::optional<MailboxInfo> decode_mailbox(MailboxId id, std::string_view v);
std::string encode_message(const MessageMeta& m);
std::optional<MessageMeta> decode_message(uint32_t uid, std::string_view v);
std::string encode_blob(const BlobRecord& b);
std::optional<BlobRecord> decode_blob(std::string_view v);
// kPendingCf, kStructuresCf, kSubscriptionsCf, kKeywordsCf: v + payload.
std::string encode_bytes(std::string_view payload);
std::optional<std::string> decode_bytes(std::string_view v);
std::string encode_change(ChangeKind kind);
std::optional<ChangeKind> decode_change(std::string_view v);
std::string encode_index_job(const IndexJobRecord& j);
std::optional<IndexJobRecord> decode_index_job(std::string_view v);
std::string encode_quota(const QuotaRecord& q);
std::optional<QuotaRecord> decode_quota(std::string_view v);
// kBlobIdsKey: the first blob id not yet reserved.
std::string encode_u64(uint64_t v);
std::optional<uint64_t> decode_u64(std::string_view v);

}  // namespace loft::storage::rocks

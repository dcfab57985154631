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
  kCfCount,
};

// RocksDB's names of the column families above, indexed by Cf.
extern const char* const kCfNames[kCfCount];

// The one key of kMetaCf that holds the counters.
inline constexpr std::string_view kCountersKey = "counters";
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

// Number of chunks a body of `size` bytes occupies.
uint32_t chunk_count(const BlobRecord& blob);

// --- keys ---
std::string id_key(uint64_t id);  // kMailboxesCf, kBlobsCf
std::string mailbox_name_key(AccountId account, std::string_view name);
std::string message_key(MailboxId mailbox, uint32_t uid);
std::string chunk_key(BlobId blob, uint32_t index);
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

}  // namespace loft::storage::rocks

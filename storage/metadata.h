// Annotations (the data model of RFC 5464 METADATA, kept protocol-neutral):
// named values per account ("server" annotations) and per mailbox. Names are
// '/'-separated paths, case-insensitive (stored ASCII lower-case); the layer
// above validates their syntax. Values are opaque bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace loft::storage {

// One stored annotation.
struct MetadataEntry {
  std::string name;   // lower-case
  std::string value;
};

// One change of Store::set_metadata: a value to store, or nullopt to delete.
struct MetadataWrite {
  std::string name;
  std::optional<std::string> value;
};

// Per-account bounds checked by set_metadata (0: no bound). A write that
// would take the account above a bound it raises fails; shrinking is always
// allowed, so lowering a bound never locks an account in.
struct MetadataLimits {
  uint64_t max_value = 0;    // bytes of one value (Errc::too_big)
  uint64_t max_entries = 0;  // annotations of the account, server and mailboxes (Errc::limit)
  uint64_t max_bytes = 0;    // sum of name + value bytes of those (Errc::limit)
};

// What an account's annotations use (what MetadataLimits bounds).
struct MetadataUsage {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// How far below an entry get_metadata looks (RFC 5464 §4.2.2 DEPTH).
enum class MetadataDepth { exact, children, all };

}  // namespace loft::storage

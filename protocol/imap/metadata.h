// The METADATA extension (RFC 5464): GETMETADATA and SETMETADATA with their
// argument parsers, the entry-name rules of §3.2, the METADATA response
// (§4.4) and the METADATA response codes (§4.2.1, §4.3). Entry names leave
// the parser validated and ASCII lower-cased (they are case-insensitive).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/imap/response.h"

namespace loft::proto::imap {

class Reader;

// RFC 5464 §4.2.2 DEPTH: the entry only, its children too, or everything below.
enum class MetadataDepth { zero, one, infinity };

// RFC 5464 §4.2: GETMETADATA [SP options] SP mailbox SP entries. The options
// list is also taken after the mailbox, where the RFC's own examples put it.
struct CmdGetMetadata {
  std::string mailbox;                // as sent (modified UTF-7); "" is the server
  std::vector<std::string> entries;   // valid, lower-cased, duplicates kept once
  std::optional<uint64_t> max_size;   // MAXSIZE (§4.2.1)
  MetadataDepth depth = MetadataDepth::zero;
};

// RFC 5464 §4.3: SETMETADATA SP mailbox SP "(" entry SP value *(...) ")";
// a NIL value deletes the entry.
struct CmdSetMetadata {
  std::string mailbox;
  std::vector<std::pair<std::string, std::optional<std::string>>> entries;  // valid, lower-cased
};

// Parsers called from parse_command's table, the reader just after the name.
bool parse_getmetadata(Reader* r, CmdGetMetadata* out);
bool parse_setmetadata(Reader* r, CmdSetMetadata* out);

// Entries named by one command: far above any real client, bounds the work.
inline constexpr size_t kMaxMetadataEntries = 1000;

// RFC 5464 §3.2: starts with "/private" or "/shared" (then "/" or the end),
// no "*" or "%", no NUL, valid UTF-8, no "//", no trailing "/". A value can
// only be set below the prefix (settable), not on "/private" itself.
bool valid_metadata_entry(std::string_view entry, bool settable);
// True for an entry under "/private" (per-user: RFC 5464 §3.2 and §4.3 NOPRIVATE).
bool is_private_entry(std::string_view entry);

// "* METADATA mailbox (entry value ...)" (§4.4.1); values are nstrings (NIL:
// no value). mailbox is UTF-8 (leaves in modified UTF-7; "" is the server).
// entries must not be empty.
struct MetadataResponse {
  std::string_view mailbox;
  std::span<const std::pair<std::string, std::optional<std::string>>> entries;
  void serialize(std::string* out) const;
};

// [METADATA LONGENTRIES n]: the largest value GETMETADATA left out (§4.2.1).
ResponseCode metadata_longentries(uint64_t n);
// [METADATA MAXSIZE n]: a SETMETADATA value above the n-octet bound (§4.3).
ResponseCode metadata_maxsize(uint64_t n);
// [METADATA TOOMANY]: no room for more annotations (§4.3).
ResponseCode metadata_toomany();
// [METADATA NOPRIVATE]: private annotations not supported there (§4.3).
ResponseCode metadata_noprivate();

}  // namespace loft::proto::imap

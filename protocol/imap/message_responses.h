// Typed responses of the message commands: untagged EXPUNGE (RFC 3501
// §7.4.1), FETCH FLAGS after STORE (§7.4.2), the UIDPLUS response codes
// APPENDUID and COPYUID (RFC 4315 §3) and the untagged OK of MOVE (RFC 6851
// §4.3). Each appends its bytes to a string; the server sends it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loft::proto::imap {

// "* seq EXPUNGE\r\n"
void append_expunge(std::string* out, uint32_t seq);

// "* seq FETCH (FLAGS (...) UID n)\r\n" (UID only when uid is non-zero, as
// for UID STORE, RFC 3501 §6.4.8). system holds FlagList bits; \Recent is
// added when recent (RFC 3501 §2.3.2).
struct FlagsFetch {
  uint32_t seq = 0;
  uint32_t uid = 0;
  uint32_t system = 0;
  bool recent = false;
  std::vector<std::string> keywords;
  void serialize(std::string* out) const;
};

// A UID set in the order given, consecutive runs as "a:b" (RFC 4315 uid-set).
void append_uid_set(std::string* out, std::span<const uint32_t> uids);

// RFC 4315 §3 "APPENDUID uidvalidity uid-set" response code (without
// brackets): one UID, or one per message of an RFC 3502 MULTIAPPEND, in order.
struct AppendUid {
  uint32_t uidvalidity = 0;
  std::vector<uint32_t> uids;
  void serialize(std::string* out) const;
};

// RFC 4315 §3 "COPYUID uidvalidity source-set dest-set" (without brackets);
// pairs are (source UID, new UID) in corresponding order.
struct CopyUid {
  uint32_t uidvalidity = 0;
  std::vector<std::pair<uint32_t, uint32_t>> uids;
  void serialize(std::string* out) const;
};

// "tag OK [code] text\r\n" with code already serialized (empty: no brackets).
void append_tagged_ok(std::string* out, std::string_view tag, std::string_view code, std::string_view text);
// "* OK [code] text\r\n" (RFC 6851 §4.3 sends COPYUID this way before the EXPUNGEs).
void append_untagged_ok(std::string* out, std::string_view code, std::string_view text);

}  // namespace loft::proto::imap

// Typed IMAP responses (RFC 3501 §7): each value appends its own bytes with
// serialize(&out), so the server never writes response grammar by hand.
// Status responses carry an optional response code (§7.1, RFC 5530); the
// untagged data the selected state needs (FLAGS, EXISTS, RECENT, EXPUNGE,
// FETCH FLAGS, CAPABILITY) and the continuation request (§7.5) are here too.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace loft::proto::imap {

// System flags as bits (RFC 3501 §2.3.2). The same values as storage::Flag;
// server/imap/flags.cc checks that with static_asserts.
enum FlagBit : uint32_t {
  kFlagSeen = 1u << 0,
  kFlagAnswered = 1u << 1,
  kFlagFlagged = 1u << 2,
  kFlagDeleted = 1u << 3,
  kFlagDraft = 1u << 4,
};
inline constexpr uint32_t kAllSystemFlags = kFlagSeen | kFlagAnswered | kFlagFlagged | kFlagDeleted | kFlagDraft;

// Appends "(\Seen ... kw1 kw2)": the system flags in bits, \Recent when
// recent (§2.3.2, session-only), then the keywords as given.
void append_flags(std::string* out, uint32_t bits, std::span<const std::string> keywords = {}, bool recent = false);

// The response condition (§7.1): OK, NO, BAD tagged or untagged; PREAUTH
// and BYE untagged only.
enum class Status { ok, no, bad, preauth, bye };
const char* status_name(Status s);

// A response code, "[NAME]" or "[NAME arg]" (§7.1, RFC 5530). arg is written
// as given: build it with the helpers below, never from client text.
struct ResponseCode {
  std::string name;
  std::string arg;

  static ResponseCode atom(std::string_view name) { return {std::string(name), {}}; }
  static ResponseCode number(std::string_view name, uint64_t n) { return {std::string(name), std::to_string(n)}; }
  static ResponseCode uidnext(uint32_t n) { return number("UIDNEXT", n); }
  static ResponseCode uidvalidity(uint32_t n) { return number("UIDVALIDITY", n); }
  static ResponseCode unseen(uint32_t seq) { return number("UNSEEN", seq); }
  static ResponseCode highestmodseq(uint64_t m) { return number("HIGHESTMODSEQ", m); }
  // [PERMANENTFLAGS (...)]: the flags a STORE keeps, "\*" when new keywords may be created.
  static ResponseCode permanentflags(uint32_t bits, std::span<const std::string> keywords, bool new_keywords);
  // [CAPABILITY ...] with the list as the server builds it (§7.2.1).
  static ResponseCode capability(std::string_view list) { return {"CAPABILITY", std::string(list)}; }
};

// "tag OK [CODE] text" or, with tag "*", the untagged form (§7.1). CR, LF
// and NUL in text become spaces so the response stays one line; an empty
// text is sent as "completed" (resp-text needs at least one character).
struct StatusResponse {
  std::string_view tag = "*";
  Status status = Status::ok;
  std::optional<ResponseCode> code;
  std::string_view text;
  void serialize(std::string* out) const;
};

// "* n EXISTS" (§7.3.1).
struct ExistsResponse {
  uint32_t count = 0;
  void serialize(std::string* out) const;
};
// "* n RECENT" (§7.3.2).
struct RecentResponse {
  uint32_t count = 0;
  void serialize(std::string* out) const;
};
// "* seq EXPUNGE" (§7.4.1); every later sequence number drops by one.
struct ExpungeResponse {
  uint32_t seq = 0;
  void serialize(std::string* out) const;
};
// "* seq FETCH (FLAGS (...))" (§7.4.2), with UID and MODSEQ when set (UID
// FETCH-style replies, RFC 7162 §3.2.4).
struct FetchFlagsResponse {
  uint32_t seq = 0;
  uint32_t bits = 0;
  std::span<const std::string> keywords;
  bool recent = false;
  std::optional<uint32_t> uid;
  std::optional<uint64_t> modseq;
  void serialize(std::string* out) const;
};
// "* FLAGS (...)" (§7.2.6): the flags defined in the mailbox.
struct FlagsResponse {
  uint32_t bits = kAllSystemFlags;
  std::span<const std::string> keywords;
  void serialize(std::string* out) const;
};
// "* CAPABILITY list" (§7.2.1).
struct CapabilityResponse {
  std::string_view list;
  void serialize(std::string* out) const;
};
// "+ text" (§7.5): a continuation request (literal, AUTHENTICATE, IDLE).
struct ContinuationResponse {
  std::string_view text;
  void serialize(std::string* out) const;
};

}  // namespace loft::proto::imap

// RFC 7162 CONDSTORE and QRESYNC: the parameters they add to SELECT/EXAMINE,
// FETCH, STORE and SEARCH (held by the typed commands of command.h), and the
// responses they add (VANISHED, the MODIFIED and CLOSED codes, SEARCH's
// MODSEQ). Parsing is in condstore_parse.h.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocol/imap/search.h"
#include "protocol/imap/seqset.h"

namespace loft::proto::imap {

// RFC 7162 §7 mod-sequence-value: 1 .. 2^63-1.
inline constexpr uint64_t kMaxModseq = (uint64_t{1} << 63) - 1;

// RFC 7162 §3.2.5: QRESYNC (uidvalidity modseq [known-uids [seq-match-data]]).
struct QresyncParams {
  uint32_t uidvalidity = 0;
  uint64_t modseq = 0;
  std::optional<SeqSet> known_uids;
  // seq-match-data: message sequence numbers and the UIDs the client had for them.
  std::optional<SeqSet> match_seqs;
  std::optional<SeqSet> match_uids;
};

// RFC 7162 §3.2.6 "* VANISHED [(EARLIER)] uid-set": uids ascending.
struct VanishedResponse {
  bool earlier = false;
  std::span<const uint32_t> uids;
  void serialize(std::string* out) const;
};

// "* seq FETCH ([UID n ]MODSEQ (m))": what STORE .SILENT still reports once
// CONDSTORE is on (RFC 7162 §3.1.3).
struct ModseqFetchResponse {
  uint32_t seq = 0;
  std::optional<uint32_t> uid;
  uint64_t modseq = 0;
  void serialize(std::string* out) const;
};

// "MODIFIED set" (RFC 7162 §3.1.3) without brackets: numbers ascending,
// runs written "a:b".
std::string modified_code_arg(std::span<const uint32_t> numbers);

// "* SEARCH n1 n2 ... (MODSEQ m)\r\n" (RFC 7162 §3.1.5): the highest modseq of
// the messages returned; without matches the plain "* SEARCH\r\n".
// True if the program has a MODSEQ key anywhere (the reply then carries MODSEQ).
bool search_uses_modseq(const SearchKey& key);
void append_search_modseq_response(std::string* out, std::span<const uint32_t> numbers, uint64_t highest);

}  // namespace loft::proto::imap

// SORT and THREAD (RFC 5256, RFC 5957 SORT=DISPLAY, RFC 5267 ESORT): the
// commands, the per-message facts they order by, and the sort itself. Pure:
// facts in, an order out; the server supplies the facts (sort_facts_from_header).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/esearch.h"
#include "protocol/imap/search.h"

namespace loft::proto::imap {

// RFC 5256 §3 sort-key, plus RFC 5957 DISPLAYFROM and DISPLAYTO.
// RFC 6203 §4 RELEVANCY: the highest score first (REVERSE: lowest first).
enum class SortKey : uint8_t { arrival, cc, date, from, size, subject, to, display_from, display_to, relevancy };

struct SortCriterion {
  SortKey key = SortKey::arrival;
  bool reverse = false;
};

// RFC 5256 §3: [UID] SORT [RETURN (...)] (criteria) charset search-keys; the
// RETURN part is RFC 5267 §3.2 ESORT. search.charset is always set.
struct CmdSort {
  bool uid = false;
  std::vector<SortCriterion> criteria;
  std::optional<SearchReturn> ret;
  CmdSearch search;
};

// RFC 5256 §3 THREAD algorithms, and Dovecot's REFS (draft-ietf-morg-inthread).
enum class ThreadAlgorithm : uint8_t { orderedsubject, references, refs };

// RFC 5256 §3: [UID] THREAD algorithm charset search-keys.
struct CmdThread {
  bool uid = false;
  ThreadAlgorithm algorithm = ThreadAlgorithm::references;
  CmdSearch search;
};

// Everything SORT and THREAD look at for one message. Strings are already
// in their comparison form (sort_fold) except the thread ids.
struct SortFacts {
  uint32_t seq = 0;
  uint32_t uid = 0;
  int64_t arrival = 0;   // INTERNALDATE, seconds since the epoch
  int64_t sent = 0;      // RFC 5256 §2.2 sent date in UTC (INTERNALDATE if no usable Date:)
  uint64_t size = 0;
  std::string subject;   // folded base subject (§2.1)
  bool reply = false;    // the base subject extraction removed a reply/forward marker
  std::string from, to, cc;               // folded addr-mailbox of the first address (§3)
  std::string display_from, display_to;   // folded RFC 5957 display form
  std::string message_id;                 // msg-id without brackets; empty if none
  std::vector<std::string> references;    // References (else In-Reply-To's first msg-id), oldest first
  uint8_t relevancy = 100;                // RFC 6203 §4 score (1..100) of the search's FUZZY keys
};

// Fills everything but seq and uid from the message's header block, its
// INTERNALDATE and size.
SortFacts sort_facts_from_header(std::string_view header_block, int64_t internal_date, uint64_t size);

// RFC 5322 §3.3 date-time (obsolete forms of §4.3 too) as seconds since the
// epoch in UTC; nullopt when no day, month, year and time can be read.
std::optional<int64_t> parse_rfc5322_datetime(std::string_view value);

// The positions of msgs in the order the criteria give (RFC 5256 §3; equal
// messages in sequence-number order).
std::vector<size_t> sort_order(std::span<const SortFacts> msgs, std::span<const SortCriterion> criteria);

// Appends "* SORT n n ...\r\n" (RFC 5256 §4 sort-data), numbers in sort order.
void append_sort_response(std::string* out, std::span<const uint32_t> numbers);

}  // namespace loft::proto::imap

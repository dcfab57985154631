// The SEARCH evaluator (RFC 3501 §6.4.4), pure: it decides whether one
// message matches a program from facts the caller supplies. Facts cost
// different amounts to get, so the caller says which ones it loaded and the
// evaluator asks SearchContent for header and body facts only when a key
// needs them, after cheaper keys (order_by_cost) failed to decide.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "protocol/imap/search.h"

namespace loft::proto::imap {

// System flags as the evaluator sees them (the store uses the same bits).
enum SearchFlag : uint32_t {
  kSearchSeen = 1u << 0,
  kSearchAnswered = 1u << 1,
  kSearchFlagged = 1u << 2,
  kSearchDeleted = 1u << 3,
  kSearchDraft = 1u << 4,
};

// What is known of one message without reading its body.
struct SearchFacts {
  uint32_t seq = 0;
  uint32_t uid = 0;
  uint32_t flags = 0;  // SearchFlag bits
  bool recent = false;
  // From the message record (valid when search_cost(program) >= record):
  std::span<const std::string> keywords;
  int64_t internal_date = 0;  // seconds since the epoch
  int32_t tz_offset_minutes = 0;
  uint64_t size = 0;
  uint64_t modseq = 0;  // RFC 7162 §3.1.5 SEARCH MODSEQ (from the view)
  std::string_view email_id;       // RFC 8474 EMAILID (record cost)
  std::optional<int64_t> save_date;  // RFC 8514 save date (record cost); nullopt: unknown
};

// The selected mailbox: what "*" stands for (RFC 3501 §6.4.4 and §9).
struct SearchView {
  uint32_t exists = 0;   // largest sequence number
  uint32_t max_uid = 0;  // largest UID
  int64_t now = 0;       // seconds since the epoch when the search started (RFC 5032 WITHIN)
};

// Facts read from the message's contents, loaded on first use.
class SearchContentSource {
 public:
  virtual ~SearchContentSource() = default;
  // FROM, TO, CC, BCC, SUBJECT, HEADER: substring (case-insensitive) of a
  // decoded field value; an empty string matches when the field is present.
  virtual bool header_matches(const SearchKey& key) = 0;
  // The day (days since 1970-01-01) of the Date: header as written, without
  // time or zone (RFC 3501 §6.4.4 SENT*); nullopt when missing or unreadable.
  virtual std::optional<int32_t> sent_day() = 0;
  // BODY, TEXT: substring (case-insensitive) of the decoded text.
  virtual bool body_matches(const SearchKey& key) = 0;
  // RFC 6203 FUZZY BODY, TEXT or SUBJECT (search_fuzzy.h). No default: a
  // wrapper that forgot it would quietly answer FUZZY keys exactly.
  virtual bool fuzzy_matches(const SearchKey& key) = 0;
  // How strongly a FUZZY text key matches (search_fuzzy.h fuzzy_strength), 0 if not.
  virtual double fuzzy_strength(const SearchKey& key) = 0;
};

// True if the message matches key. AND and OR stop at the first operand
// that decides; after order_by_cost(key) that means a key costing more than
// the answer needs is never asked.
bool search_matches(const SearchKey& key, const SearchFacts& m, const SearchView& view,
                    SearchContentSource* content);

// RFC 6203 §4 relevancy (1..100) of a message that matched program, from
// the strengths of its FUZZY text keys (relevancy_score); content may be
// null only when the program has none (then 100).
uint8_t search_relevancy(const SearchKey& program, SearchContentSource* content);

// The day of an internal date in its own zone (RFC 3501: dates ignore time and zone).
int32_t internal_day(int64_t unix_seconds, int32_t tz_offset_minutes);

// Appends the untagged "* SEARCH n1 n2 ...\r\n" (RFC 3501 §7.2.5).
void append_search_response(std::string* out, std::span<const uint32_t> numbers);

}  // namespace loft::proto::imap

// RFC 4731 ESEARCH: the RETURN options of SEARCH (and of SORT, RFC 5267
// ESORT) and the typed "* ESEARCH" response. Open for extensions: other
// return data (MODSEQ of RFC 7162, RELEVANCY of RFC 6203) is appended to
// EsearchResponse::extra by the code that computes it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace loft::proto::imap {

// RFC 9394 partial-range as sent: 1-based positions in the result, both
// positive (from the first) or both negative (-1 is the last), either order.
struct PartialRange {
  int64_t lo = 0, hi = 0;
  // The positions [first, last) it covers in a result of n messages, clipped to n.
  std::pair<size_t, size_t> window(size_t n) const;
  // "m:n" with the smaller magnitude first ("-1:-100", "400:500").
  std::string to_string() const;
};

// RFC 4731 §3.1 search-return-opt (and RFC 5182 SAVE). RETURN () means ALL.
struct SearchReturn {
  bool min = false, max = false, all = false, count = false;
  bool save = false;  // RFC 5182 §2.1
  std::optional<PartialRange> partial;  // RFC 9394 PARTIAL
  bool relevancy = false;  // RFC 6203 §4: RELEVANCY (scores in ALL's order)
  // RFC 5267 §4.3 UPDATE: ADDTO/REMOVEFROM follow as the result changes
  // (with UPDATE alone the first answer is an ESEARCH without data); §4.2
  // CONTEXT: a hint only, RETURN (CONTEXT) being RETURN (). Neither changes
  // the other options' answers (§4.1).
  bool update = false, context = false;
  // False for RETURN (SAVE) alone: RFC 5182 §2.1 sends no ESEARCH then.
  bool reports() const { return min || max || all || count || partial || relevancy || update; }
};

// One "* ESEARCH" response (RFC 4731 §3.1 esearch-response).
struct EsearchResponse {
  std::string tag;                  // the search-correlator (TAG "tag"); always sent by Loft
  bool uid = false;                 // the UID indicator
  std::optional<uint32_t> min, max, count;
  // ALL as a sequence-set. Sorted input is sent compact (1:3,5); for ESORT
  // keep_order keeps the sort order (RFC 5267 §3.2), merging only ascending runs.
  std::optional<std::vector<uint32_t>> all;
  bool keep_order = false;
  // RFC 9394 §3: PARTIAL (range numbers): the requested range and the
  // numbers found at those positions (NIL when none), ascending runs merged.
  struct Partial {
    PartialRange range;
    std::vector<uint32_t> numbers;
  };
  std::optional<Partial> partial;
  // Further search-return-data, each "NAME value" already in wire form.
  std::vector<std::string> extra;
  // RFC 5267 §4.3.3/§4.3.4 ADDTO and REMOVEFROM items, in the order the
  // client must apply them: (context position, numbers in requested order).
  struct UpdateItem {
    bool add = false;  // ADDTO, else REMOVEFROM
    std::vector<std::pair<uint32_t, std::vector<uint32_t>>> pairs;
  };
  std::vector<UpdateItem> updates;
  void serialize(std::string* out) const;
};

// Fills min, max, count and all as options ask for the matches (in the
// order to report: ascending for SEARCH, the sort order for SORT); MIN,
// MAX and ALL are left out when nothing matched (RFC 4731 §3.1).
EsearchResponse make_esearch(const std::string& tag, bool uid, const SearchReturn& options,
                             std::span<const uint32_t> matches, bool sorted_ascending);

// The sequence-set text of numbers in the given order: consecutive
// ascending runs become ranges ("1:3,5").
std::string compact_set(std::span<const uint32_t> numbers);

}  // namespace loft::proto::imap

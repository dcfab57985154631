// The typed SEARCH program (RFC 3501 §6.4.4): a tree of search keys. The
// parser (search_parse.cc) builds it; the evaluator (search_eval.h) and the
// server walk it. A program is an implicit AND of its top-level keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/imap/esearch.h"
#include "protocol/imap/seqset.h"

namespace loft::proto::imap {

// Bounds on one SEARCH program; exceeding one is answered BAD.
inline constexpr size_t kMaxSearchKeys = 2000;   // keys in the whole program
inline constexpr size_t kMaxSearchDepth = 32;    // NOT/OR/parenthesis nesting
inline constexpr size_t kMaxSearchRanges = 10000;  // ranges of one sequence set

// One search key (RFC 3501 §9 search-key). Children: `all_of` for a
// parenthesised list (and the whole program), one for `not_`, two for `or_`.
struct SearchKey {
  enum class Kind : uint8_t {
    // flags (RFC 3501 §6.4.4); new_ = RECENT UNSEEN, old = NOT RECENT
    all, answered, deleted, draft, flagged, recent, seen, new_, old,
    unanswered, undeleted, undraft, unflagged, unseen,
    keyword, unkeyword,  // text = the keyword
    // internal date / Date: header, compared by day (date = days since 1970-01-01)
    before, on, since, sent_before, sent_on, sent_since,
    larger, smaller,  // number = the size in octets
    uid, seqset,      // set
    // header keys (text = the string); header also has field
    bcc, cc, from, to, subject, header,
    body, text,       // text = the string
    not_, or_, all_of,
    modseq,           // RFC 7162 §3.1.5: number = the mod-sequence (message modseq >= number)
    older, younger,   // RFC 5032 WITHIN: number = the interval in seconds
    emailid, threadid,  // RFC 8474 §6: text = the objectid
    saved_before, saved_on, saved_since,  // RFC 8514 §4.2: date, as BEFORE/ON/SINCE
    savedatesupported,  // RFC 8514 §4.2
  };
  Kind kind = Kind::all;
  std::string text;     // keyword, search string (UTF-8 as sent)
  std::string field;    // HEADER field name, as sent
  uint64_t number = 0;  // LARGER / SMALLER / MODSEQ
  int32_t date = 0;     // days since 1970-01-01 (civil date, no time or zone)
  SeqSet set;           // UID / sequence set
  std::vector<SearchKey> children;
  // RFC 6203 §3: the key stood under FUZZY. BODY, TEXT and SUBJECT then match
  // inexactly (search_fuzzy.h); other keys stay exact (docs/search.md).
  bool fuzzy = false;
};

// True if key or a key under it is a FUZZY BODY, TEXT or SUBJECT key.
bool has_fuzzy_text(const SearchKey& key);
// True if key or a key under it is NEW, OLD or RECENT: RFC 9051 Appendix E
// removed them (with \Recent), so an IMAP4rev2 session gets BAD for them.
bool has_recent_key(const SearchKey& key);
// True if key or a key inside it is answered by the message record
// (search_cost == record: keywords, dates, sizes, SAVED*, EMAILID).
bool has_record_key(const SearchKey& key);

// RFC 3501 §6.4.4 SEARCH and §6.4.8 UID SEARCH.
struct CmdSearch {
  bool uid = false;
  std::optional<std::string> charset;  // as sent; the server answers NO [BADCHARSET] when unsupported
  SearchKey program;                   // Kind::all_of
  std::optional<SearchReturn> ret;     // RFC 4731 RETURN (...): answer with ESEARCH
};

// What a key needs to be decided, in increasing cost: the session's
// in-memory view (sequence number, UID, flags), the message record
// (keywords, internal date, size), the header block, or the whole body.
enum class SearchCost : uint8_t { view = 0, record = 1, header = 2, body = 3 };
// The most expensive thing key (and its children) can need.
SearchCost search_cost(const SearchKey& key);
// Reorders the children of every AND (all_of) and OR so cheaper keys come
// first (both are commutative), so the evaluator, which stops at the first
// operand that decides, reaches an expensive key only when it must.
void order_by_cost(SearchKey* key);
// True for the charsets the evaluator takes (UTF-8 and US-ASCII, any case);
// RFC 3501 §6.4.4 answers NO [BADCHARSET (UTF-8 US-ASCII)] for others.
bool search_charset_supported(std::string_view charset);

}  // namespace loft::proto::imap

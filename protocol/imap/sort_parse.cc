// SORT / THREAD arguments and RETURN options (see sort_parse.h).
#include "protocol/imap/sort_parse.h"

#include <algorithm>

#include <string>

#include "base/bytes.h"
#include "protocol/imap/search_parse.h"

namespace loft::proto::imap {
namespace {

// True if the next token after a SP is the atom word (any case).
bool next_word_is(const Reader& r, std::string_view word) {
  Reader probe = r;
  std::string atom;
  return probe.skip_if(' ') && probe.read_atom(&atom) && iequals(atom, word);
}

// RFC 5256 §4: charset SP search-key...; the charset is required here.
bool parse_charset_and_program(Reader* r, CmdSearch* search) {
  std::string charset;
  if (!r->expect_sp() || !r->read_astring(&charset)) return false;
  if (!parse_search_program(r, search)) return false;
  search->charset = std::move(charset);
  return true;
}

// RFC 9394 §4: partial-range-first = nz-number ":" nz-number;
// partial-range-last = MINUS nz-number ":" MINUS nz-number.
bool parse_partial_range(Reader* r, PartialRange* out) {
  bool negative = r->skip_if('-');
  uint64_t lo = 0, hi = 0;
  if (!r->read_nz_number(UINT32_MAX, &lo) || !r->expect(':')) return false;
  if (r->skip_if('-') != negative) return r->fail("Invalid partial range");
  if (!r->read_nz_number(UINT32_MAX, &hi)) return false;
  out->lo = negative ? -static_cast<int64_t>(lo) : static_cast<int64_t>(lo);
  out->hi = negative ? -static_cast<int64_t>(hi) : static_cast<int64_t>(hi);
  return true;
}

}  // namespace

bool parse_search_return(Reader* r, std::optional<SearchReturn>* out) {
  if (!next_word_is(*r, "RETURN")) return true;
  std::string word;
  if (!r->expect_sp() || !r->read_atom(&word) || !r->expect_sp() || !r->open_list()) return false;
  SearchReturn ret;
  bool any = false, first = true;
  while (r->peek() != ')') {
    if (!first && !r->expect_sp()) return false;
    first = false;
    std::string opt;
    if (!r->read_atom(&opt)) return false;
    if (iequals(opt, "MIN")) ret.min = true;
    else if (iequals(opt, "MAX")) ret.max = true;
    else if (iequals(opt, "ALL")) ret.all = true;
    else if (iequals(opt, "COUNT")) ret.count = true;
    else if (iequals(opt, "SAVE")) ret.save = true;
    else if (iequals(opt, "RELEVANCY")) ret.relevancy = true;  // RFC 6203 §4
    else if (iequals(opt, "UPDATE")) {  // RFC 5267 §4.3
      if (ret.update) return r->fail("UPDATE given twice");
      ret.update = true;
    } else if (iequals(opt, "CONTEXT")) {  // RFC 5267 §4.2: a hint, so (CONTEXT) alone is ()
      ret.context = true;
      continue;
    } else if (iequals(opt, "PARTIAL")) {
      if (ret.partial) return r->fail("PARTIAL given twice");
      ret.partial.emplace();
      if (!r->expect_sp() || !parse_partial_range(r, &*ret.partial)) return false;
    } else return r->fail("Unknown RETURN option");
    any = true;
  }
  if (!r->close_list()) return false;
  if (!any) ret.all = true;  // RFC 4731 §3.1: RETURN () is RETURN (ALL)
  // RFC 9394 §3.1: ALL and PARTIAL together are a client error.
  if (ret.all && ret.partial) return r->fail("PARTIAL conflicts with ALL");
  *out = ret;
  return true;
}

bool parse_sort_args(Reader* r, CmdSort* cmd) {
  if (!parse_search_return(r, &cmd->ret)) return false;
  if (!r->expect_sp() || !r->open_list()) return false;
  // sort-criterion = ["REVERSE" SP] sort-key
  do {
    SortCriterion c;
    std::string word;
    if (!r->read_atom(&word)) return false;
    if (iequals(word, "REVERSE")) {
      c.reverse = true;
      if (!r->expect_sp() || !r->read_atom(&word)) return false;
    }
    struct Name { std::string_view name; SortKey key; };
    static constexpr Name kKeys[] = {{"ARRIVAL", SortKey::arrival}, {"CC", SortKey::cc},
                                     {"DATE", SortKey::date},       {"FROM", SortKey::from},
                                     {"SIZE", SortKey::size},       {"SUBJECT", SortKey::subject},
                                     {"TO", SortKey::to},           {"DISPLAYFROM", SortKey::display_from},
                                     {"DISPLAYTO", SortKey::display_to}, {"RELEVANCY", SortKey::relevancy}};
    bool known = false;
    for (const Name& n : kKeys) {
      if (iequals(word, n.name)) {
        c.key = n.key;
        known = true;
      }
    }
    if (!known) return r->fail("Unknown sort key");
    // A key already given cannot break a tie it left (equal stays equal,
    // reversed or not): dropping the repeat keeps the order and bounds the
    // comparisons per pair to the ten keys whatever the client sends.
    bool repeat = std::any_of(cmd->criteria.begin(), cmd->criteria.end(),
                              [&c](const SortCriterion& e) { return e.key == c.key; });
    if (!repeat) cmd->criteria.push_back(c);
  } while (r->skip_if(' '));
  if (!r->close_list()) return false;
  return parse_charset_and_program(r, &cmd->search);
}

bool parse_thread_args(Reader* r, CmdThread* cmd) {
  std::string alg;
  if (!r->expect_sp() || !r->read_atom(&alg)) return false;
  if (iequals(alg, "ORDEREDSUBJECT")) cmd->algorithm = ThreadAlgorithm::orderedsubject;
  else if (iequals(alg, "REFERENCES")) cmd->algorithm = ThreadAlgorithm::references;
  else if (iequals(alg, "REFS")) cmd->algorithm = ThreadAlgorithm::refs;
  else return r->fail("Unknown threading algorithm");
  return parse_charset_and_program(r, &cmd->search);
}

}  // namespace loft::proto::imap

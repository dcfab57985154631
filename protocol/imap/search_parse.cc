// SEARCH program parsing (RFC 3501 §6.4.4; grammar in §9 "search" and
// "search-key"): keywords in any case, sequence sets, parenthesised lists,
// NOT and OR, implicit AND of adjacent keys.
#include "protocol/imap/search_parse.h"
#include "protocol/imap/condstore_parse.h"
#include "protocol/imap/message_parse.h"

#include <array>
#include <string_view>

#include "base/bytes.h"
#include "base/civil_date.h"
#include "protocol/imap/object_id.h"

namespace loft::proto::imap {
namespace {

using K = SearchKey::Kind;

// What follows a key's name.
enum class Arg : uint8_t { none, astring, atom, date, number, set, header, one, two, modseq, interval, objectid, fuzzy };

// RFC 6203 §3: FUZZY applies to the key it prefixes and everything under it.
void mark_fuzzy(SearchKey* key) {
  key->fuzzy = true;
  for (SearchKey& c : key->children) mark_fuzzy(&c);
}

struct KeyInfo {
  std::string_view name;
  K kind;
  Arg arg;
};

constexpr std::array kKeys = {
    KeyInfo{"ALL", K::all, Arg::none},
    KeyInfo{"ANSWERED", K::answered, Arg::none},
    KeyInfo{"BCC", K::bcc, Arg::astring},
    KeyInfo{"BEFORE", K::before, Arg::date},
    KeyInfo{"BODY", K::body, Arg::astring},
    KeyInfo{"CC", K::cc, Arg::astring},
    KeyInfo{"DELETED", K::deleted, Arg::none},
    KeyInfo{"DRAFT", K::draft, Arg::none},
    KeyInfo{"EMAILID", K::emailid, Arg::objectid},  // RFC 8474 §6
    KeyInfo{"FLAGGED", K::flagged, Arg::none},
    KeyInfo{"FROM", K::from, Arg::astring},
    KeyInfo{"FUZZY", K::all, Arg::fuzzy},  // RFC 6203 §3: a modifier; the key becomes the one it prefixes
    KeyInfo{"HEADER", K::header, Arg::header},
    KeyInfo{"KEYWORD", K::keyword, Arg::atom},
    KeyInfo{"LARGER", K::larger, Arg::number},
    KeyInfo{"MODSEQ", K::modseq, Arg::modseq},
    KeyInfo{"NEW", K::new_, Arg::none},
    KeyInfo{"NOT", K::not_, Arg::one},
    KeyInfo{"OLD", K::old, Arg::none},
    KeyInfo{"OLDER", K::older, Arg::interval},
    KeyInfo{"ON", K::on, Arg::date},
    KeyInfo{"OR", K::or_, Arg::two},
    KeyInfo{"RECENT", K::recent, Arg::none},
    KeyInfo{"SAVEDATESUPPORTED", K::savedatesupported, Arg::none},  // RFC 8514 §4.2
    KeyInfo{"SAVEDBEFORE", K::saved_before, Arg::date},
    KeyInfo{"SAVEDON", K::saved_on, Arg::date},
    KeyInfo{"SAVEDSINCE", K::saved_since, Arg::date},
    KeyInfo{"SEEN", K::seen, Arg::none},
    KeyInfo{"SENTBEFORE", K::sent_before, Arg::date},
    KeyInfo{"SENTON", K::sent_on, Arg::date},
    KeyInfo{"SENTSINCE", K::sent_since, Arg::date},
    KeyInfo{"SINCE", K::since, Arg::date},
    KeyInfo{"SMALLER", K::smaller, Arg::number},
    KeyInfo{"SUBJECT", K::subject, Arg::astring},
    KeyInfo{"TEXT", K::text, Arg::astring},
    KeyInfo{"THREADID", K::threadid, Arg::objectid},  // RFC 8474 §6
    KeyInfo{"TO", K::to, Arg::astring},
    KeyInfo{"UID", K::uid, Arg::set},
    KeyInfo{"UNANSWERED", K::unanswered, Arg::none},
    KeyInfo{"UNDELETED", K::undeleted, Arg::none},
    KeyInfo{"UNDRAFT", K::undraft, Arg::none},
    KeyInfo{"UNFLAGGED", K::unflagged, Arg::none},
    KeyInfo{"UNKEYWORD", K::unkeyword, Arg::atom},
    KeyInfo{"UNSEEN", K::unseen, Arg::none},
    KeyInfo{"YOUNGER", K::younger, Arg::interval},
};

// Recursive descent with the key count and nesting depth of one program.
class ProgramParser {
 public:
  explicit ProgramParser(Reader* r) : r_(r) {}

  // search-key; depth counts the NOT/OR/list levels above it.
  bool key(SearchKey* out, size_t depth) {
    if (++keys_ > kMaxSearchKeys) return r_->fail("Search program too large");
    if (depth > kMaxSearchDepth) return r_->fail("Search program too deeply nested");
    int c = r_->peek();
    if (c == '(') return list(out, depth + 1);
    if ((c >= '0' && c <= '9') || c == '*' || c == '$') {  // RFC 5182 §3: "$" too
      out->kind = K::seqset;
      return set(&out->set);
    }
    std::string name;
    if (!r_->read_atom(&name)) return false;
    const KeyInfo* info = nullptr;
    for (const KeyInfo& k : kKeys) {
      if (iequals(name, k.name)) info = &k;
    }
    if (info == nullptr) return r_->fail("Unknown search key");
    out->kind = info->kind;
    return argument(*info, out, depth);
  }

  // "(" search-key *(SP search-key) ")": an AND of its keys.
  bool list(SearchKey* out, size_t depth) {
    out->kind = K::all_of;
    if (!r_->open_list()) return false;
    do {
      out->children.emplace_back();
      if (!key(&out->children.back(), depth)) return false;
    } while (r_->skip_if(' '));
    return r_->close_list();
  }

 private:
  bool argument(const KeyInfo& info, SearchKey* out, size_t depth) {
    switch (info.arg) {
      case Arg::none: return true;
      case Arg::astring: return r_->expect_sp() && r_->read_astring(&out->text);
      case Arg::atom: return r_->expect_sp() && r_->read_atom(&out->text);
      case Arg::number: {
        // RFC 3501 §9 number is 32-bit; larger values are still meaningful sizes.
        return r_->expect_sp() && r_->read_number(UINT64_MAX / 2, &out->number);
      }
      case Arg::date: {
        std::string text;
        if (!r_->expect_sp() || !r_->read_astring(&text)) return false;
        if (!parse_search_date(text, &out->date)) return r_->fail("Invalid search date");
        return true;
      }
      case Arg::set: return r_->expect_sp() && set(&out->set);
      case Arg::objectid:  // RFC 8474 §7: objectid = 1*255(ALPHA / DIGIT / "_" / "-"), an atom
        if (!r_->expect_sp() || !r_->read_atom(&out->text)) return false;
        if (!is_object_id(out->text)) return r_->fail("Invalid object id");
        return true;
      case Arg::modseq: return parse_search_modseq(r_, &out->number);
      case Arg::interval:  // RFC 5032 §3: ("OLDER" / "YOUNGER") SP nz-number, in seconds
        return r_->expect_sp() && r_->read_nz_number(UINT32_MAX, &out->number);
      case Arg::header:
        return r_->expect_sp() && r_->read_astring(&out->field) && r_->expect_sp() && r_->read_astring(&out->text);
      case Arg::one:
        out->children.resize(1);
        return r_->expect_sp() && key(&out->children[0], depth + 1);
      case Arg::fuzzy: {  // "FUZZY" SP search-key
        SearchKey inner;
        if (!r_->expect_sp() || !key(&inner, depth + 1)) return false;
        mark_fuzzy(&inner);
        *out = std::move(inner);
        return true;
      }
      case Arg::two:
        out->children.resize(2);
        return r_->expect_sp() && key(&out->children[0], depth + 1) && r_->expect_sp() &&
               key(&out->children[1], depth + 1);
    }
    return false;
  }

  bool set(SeqSet* out) {
    if (r_->peek() == '$') return parse_seq_last_command(r_, out);
    std::string_view text;
    if (!r_->read_run(is_seqset_char, &text, "sequence set")) return false;
    std::optional<SeqSet> parsed = SeqSet::parse(text, kMaxSearchRanges);
    if (!parsed) return r_->fail("Invalid sequence set");
    *out = std::move(*parsed);
    return true;
  }

  Reader* r_;
  size_t keys_ = 0;
};

}  // namespace

bool parse_search_date(std::string_view text, int32_t* days) {
  // date-text = date-day "-" date-month "-" date-year; date-day = 1*2DIGIT; date-year = 4DIGIT
  size_t dash1 = text.find('-');
  if (dash1 == std::string_view::npos || dash1 == 0 || dash1 > 2) return false;
  if (text.size() != dash1 + 1 + 3 + 1 + 4 || text[dash1 + 4] != '-') return false;
  unsigned day = 0;
  for (size_t i = 0; i < dash1; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    day = day * 10 + static_cast<unsigned>(text[i] - '0');
  }
  unsigned month = static_cast<unsigned>(month_from_abbrev(text.substr(dash1 + 1, 3)));
  int year = 0;
  for (char c : text.substr(dash1 + 5)) {
    if (c < '0' || c > '9') return false;
    year = year * 10 + (c - '0');
  }
  if (month == 0 || day == 0) return false;
  static constexpr unsigned kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (day > kDays[month - 1] || (month == 2 && day == 29 && !leap)) return false;
  *days = static_cast<int32_t>(days_from_civil(year, month, day));
  return true;
}

bool parse_search_program(Reader* r, CmdSearch* cmd) {
  cmd->program.kind = K::all_of;
  ProgramParser p(r);
  if (!r->expect_sp()) return false;
  // RFC 3501 §6.4.4: [CHARSET SP astring] comes first. A key named CHARSET does not exist.
  if (r->peek() == 'C' || r->peek() == 'c') {
    // Look ahead without consuming: only "CHARSET " starts the charset specification.
    Reader probe = *r;
    std::string word;
    if (probe.read_atom(&word) && iequals(word, "CHARSET")) {
      std::string charset;
      if (!r->read_atom(&word) || !r->expect_sp() || !r->read_astring(&charset) || !r->expect_sp()) return false;
      cmd->charset = std::move(charset);
    }
  }
  do {
    cmd->program.children.emplace_back();
    if (!p.key(&cmd->program.children.back(), 0)) return false;
  } while (r->skip_if(' '));
  return true;
}

}  // namespace loft::proto::imap

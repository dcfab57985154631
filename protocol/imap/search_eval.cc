// The SEARCH evaluator (see search_eval.h).
#include "protocol/imap/search_eval.h"

#include "base/bytes.h"
#include "protocol/imap/search_fuzzy.h"

namespace loft::proto::imap {

int32_t internal_day(int64_t unix_seconds, int32_t tz_offset_minutes) {
  int64_t local = unix_seconds + int64_t{tz_offset_minutes} * 60;
  int64_t day = local / 86400;
  if (local % 86400 < 0) --day;  // floor for dates before 1970
  return static_cast<int32_t>(day);
}

namespace {

bool has_keyword(const SearchFacts& m, const std::string& keyword) {
  // RFC 3501 §2.3.2: keywords compare case-insensitively (as Dovecot and the store do).
  for (const std::string& k : m.keywords) {
    if (iequals(k, keyword)) return true;
  }
  return false;
}

// RFC 3501 §6.4.4: BEFORE is "earlier than", ON "within", SINCE "within or later than" the day.
bool compare_day(SearchKey::Kind kind, int32_t day, int32_t key_day) {
  using K = SearchKey::Kind;
  switch (kind) {
    case K::before: case K::sent_before: return day < key_day;
    case K::on: case K::sent_on: return day == key_day;
    default: return day >= key_day;
  }
}

}  // namespace

bool search_matches(const SearchKey& key, const SearchFacts& m, const SearchView& view,
                    SearchContentSource* content) {
  using K = SearchKey::Kind;
  switch (key.kind) {
    case K::all: return true;
    case K::answered: return (m.flags & kSearchAnswered) != 0;
    case K::deleted: return (m.flags & kSearchDeleted) != 0;
    case K::draft: return (m.flags & kSearchDraft) != 0;
    case K::flagged: return (m.flags & kSearchFlagged) != 0;
    case K::seen: return (m.flags & kSearchSeen) != 0;
    case K::recent: return m.recent;
    case K::new_: return m.recent && (m.flags & kSearchSeen) == 0;
    case K::old: return !m.recent;
    case K::unanswered: return (m.flags & kSearchAnswered) == 0;
    case K::undeleted: return (m.flags & kSearchDeleted) == 0;
    case K::undraft: return (m.flags & kSearchDraft) == 0;
    case K::unflagged: return (m.flags & kSearchFlagged) == 0;
    case K::unseen: return (m.flags & kSearchSeen) == 0;
    case K::keyword: return has_keyword(m, key.text);
    case K::unkeyword: return !has_keyword(m, key.text);
    case K::before: case K::on: case K::since:
      return compare_day(key.kind, internal_day(m.internal_date, m.tz_offset_minutes), key.date);
    case K::sent_before: case K::sent_on: case K::sent_since: {
      std::optional<int32_t> day = content->sent_day();
      // No usable Date: header: the message counts as sent on 1-Jan-1970, the
      // zero date, as Dovecot answers (RFC 3501 does not say).
      return compare_day(key.kind, day.value_or(0), key.date);
    }
    // RFC 5032 §3: OLDER n matches an INTERNALDATE more than n seconds
    // before now, YOUNGER n one at most n seconds before (zones do not matter).
    case K::older: return m.internal_date < view.now - static_cast<int64_t>(key.number);
    case K::younger: return m.internal_date >= view.now - static_cast<int64_t>(key.number);
    case K::larger: return m.size > key.number;
    case K::modseq: return m.modseq >= key.number;  // RFC 7162 §3.1.5: equal or greater
    case K::emailid: return m.email_id == key.text;  // RFC 8474 §6: ids compare exactly
    case K::threadid: return false;  // RFC 8474 §5.2: THREADID is NIL here, so no thread matches
    // RFC 8514 §4.2: as BEFORE/ON/SINCE on the save date, by day (UTC: a
    // save date has no zone of its own). A message whose save date is unknown
    // (stored before save dates were kept) matches none of them.
    case K::saved_before: case K::saved_on: case K::saved_since: {
      if (!m.save_date) return false;
      K as = key.kind == K::saved_before ? K::before : key.kind == K::saved_on ? K::on : K::since;
      return compare_day(as, internal_day(*m.save_date, 0), key.date);
    }
    case K::savedatesupported: return true;  // RFC 8514 §4.2: every mailbox keeps save dates
    case K::smaller: return m.size < key.number;
    case K::uid: return key.set.contains(m.uid, view.max_uid);
    case K::seqset: return key.set.contains(m.seq, view.exists);
    case K::subject:  // RFC 6203 §3: FUZZY matches inexactly
      return key.fuzzy ? content->fuzzy_matches(key) : content->header_matches(key);
    case K::bcc: case K::cc: case K::from: case K::to: case K::header:
      return content->header_matches(key);  // addresses and named fields: exact even under FUZZY
    case K::body: case K::text: return key.fuzzy ? content->fuzzy_matches(key) : content->body_matches(key);
    case K::not_: return !search_matches(key.children[0], m, view, content);
    case K::or_:
      return search_matches(key.children[0], m, view, content) || search_matches(key.children[1], m, view, content);
    case K::all_of:
      for (const SearchKey& c : key.children) {
        if (!search_matches(c, m, view, content)) return false;
      }
      return true;
  }
  return false;
}

namespace {

void fuzzy_strengths(const SearchKey& key, SearchContentSource* content, std::vector<double>* out) {
  using K = SearchKey::Kind;
  if (key.fuzzy && (key.kind == K::body || key.kind == K::text || key.kind == K::subject)) {
    out->push_back(content->fuzzy_strength(key));
  }
  for (const SearchKey& c : key.children) fuzzy_strengths(c, content, out);
}

}  // namespace

uint8_t search_relevancy(const SearchKey& program, SearchContentSource* content) {
  if (content == nullptr || !has_fuzzy_text(program)) return 100;
  std::vector<double> strengths;
  fuzzy_strengths(program, content, &strengths);
  return relevancy_score(strengths);
}

void append_search_response(std::string* out, std::span<const uint32_t> numbers) {
  out->append("* SEARCH");
  for (uint32_t n : numbers) {
    out->push_back(' ');
    out->append(std::to_string(n));
  }
  out->append("\r\n");
}

}  // namespace loft::proto::imap

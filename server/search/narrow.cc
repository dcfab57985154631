// SEARCH program -> index narrowing (see narrow.h).
#include "server/search/narrow.h"

#include "protocol/imap/search_fuzzy.h"
#include "protocol/imap/search_words.h"
#include "protocol/mime/charset.h"

namespace loft::server::search {
namespace pi = proto::imap;
using loft::search::Field;
using loft::search::Narrow;

namespace {

// The key -> fields table. TEXT is "in the header or body" (RFC 3501
// §6.4.4); HEADER names any field, so it uses every header line. FROM..
// SUBJECT narrow by header_text too, which holds every top-level field's
// value: their own fields keep only word terms (docs/search.md, sizes).
std::vector<Field> fields_of(pi::SearchKey::Kind kind) {
  using K = pi::SearchKey::Kind;
  switch (kind) {
    case K::body: return {Field::body};
    case K::text: return {Field::body, Field::header_text};
    case K::from: case K::to: case K::cc: case K::bcc: case K::subject: case K::header: return {Field::header_text};
    default: return {};
  }
}

}  // namespace

namespace {

// RFC 6203 FUZZY on BODY, TEXT or SUBJECT with words: inexact (search_fuzzy.h).
bool inexact(const pi::SearchKey& key) {
  using K = pi::SearchKey::Kind;
  return key.fuzzy && (key.kind == K::body || key.kind == K::text || key.kind == K::subject) &&
         !pi::split_words(proto::mime::fold_case(key.text)).empty();
}

// The fields whose stems a FUZZY key compares (extract.cc stems these).
std::vector<Field> stem_fields_of(pi::SearchKey::Kind kind) {
  using K = pi::SearchKey::Kind;
  switch (kind) {
    case K::body: return {Field::body};
    case K::text: return {Field::body, Field::header_text};
    case K::subject: return {Field::subject};
    default: return {};
  }
}

}  // namespace

Narrow narrow_for(const pi::SearchKey& key, bool fuzzy_stems) {
  using K = pi::SearchKey::Kind;
  Narrow n;
  if (inexact(key)) {
    // Trigrams of "meetings" would rule out a text holding only "meeting":
    // each word narrows by its grams or its stems, or not at all.
    if (!fuzzy_stems) return n;
    n.op = Narrow::Op::fuzzy;
    n.fields = fields_of(key.kind);
    n.stem_fields = stem_fields_of(key.kind);
    const pi::FuzzyNeedle needle(proto::mime::fold_case(key.text));  // the evaluator's words and stems
    for (size_t i = 0; i < needle.words.size(); ++i) n.fuzzy_words.push_back({needle.words[i], needle.stems[i]});
    return n;
  }
  switch (key.kind) {
    case K::body: case K::text: case K::from: case K::to: case K::cc: case K::bcc: case K::subject:
    case K::header:
      n.op = Narrow::Op::text;
      n.fields = fields_of(key.kind);
      n.folded_needle = proto::mime::fold_case(key.text);
      return n;
    case K::all_of:
      n.op = Narrow::Op::and_;
      for (const auto& c : key.children) n.children.push_back(narrow_for(c, fuzzy_stems));
      return n;
    case K::or_:
      n.op = Narrow::Op::or_;
      for (const auto& c : key.children) n.children.push_back(narrow_for(c, fuzzy_stems));
      return n;
    default:  // flags, dates, sizes, sets, NOT: decided by the evaluator
      return n;
  }
}

bool index_can_narrow(const pi::SearchKey& key, bool fuzzy_stems) {
  using K = pi::SearchKey::Kind;
  if (inexact(key)) {
    if (!fuzzy_stems) return false;
    for (const std::string& w : pi::split_words(proto::mime::fold_case(key.text))) {
      if (!loft::search::needle_trigrams(w).empty()) return true;
    }
    return false;
  }
  switch (key.kind) {
    case K::body: case K::text: case K::from: case K::to: case K::cc: case K::bcc: case K::subject:
    case K::header:
      return !loft::search::needle_trigrams(proto::mime::fold_case(key.text)).empty();
    case K::all_of:
      for (const auto& c : key.children) {
        if (index_can_narrow(c, fuzzy_stems)) return true;
      }
      return false;
    case K::or_:
      return index_can_narrow(key.children[0], fuzzy_stems) && index_can_narrow(key.children[1], fuzzy_stems);
    default:
      return false;
  }
}

}  // namespace loft::server::search

// SEARCH program -> index narrowing (see narrow.h).
#include "server/search/narrow.h"

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

Narrow narrow_for(const pi::SearchKey& key) {
  using K = pi::SearchKey::Kind;
  Narrow n;
  if (key.fuzzy) return n;  // RFC 6203 FUZZY: trigrams of the needle would miss other word forms
  switch (key.kind) {
    case K::body: case K::text: case K::from: case K::to: case K::cc: case K::bcc: case K::subject:
    case K::header:
      n.op = Narrow::Op::text;
      n.fields = fields_of(key.kind);
      n.folded_needle = proto::mime::fold_case(key.text);
      return n;
    case K::all_of:
      n.op = Narrow::Op::and_;
      for (const auto& c : key.children) n.children.push_back(narrow_for(c));
      return n;
    case K::or_:
      n.op = Narrow::Op::or_;
      for (const auto& c : key.children) n.children.push_back(narrow_for(c));
      return n;
    default:  // flags, dates, sizes, sets, NOT: decided by the evaluator
      return n;
  }
}

bool index_can_narrow(const pi::SearchKey& key) {
  using K = pi::SearchKey::Kind;
  if (key.fuzzy) return false;  // FUZZY keys are "all" (narrow_for)
  switch (key.kind) {
    case K::body: case K::text: case K::from: case K::to: case K::cc: case K::bcc: case K::subject:
    case K::header:
      return !loft::search::needle_trigrams(proto::mime::fold_case(key.text)).empty();
    case K::all_of:
      for (const auto& c : key.children) {
        if (index_can_narrow(c)) return true;
      }
      return false;
    case K::or_:
      return index_can_narrow(key.children[0]) && index_can_narrow(key.children[1]);
    default:
      return false;
  }
}

}  // namespace loft::server::search

// Cost classes and ordering of SEARCH keys (see search.h).
#include "protocol/imap/search.h"

#include <algorithm>

#include "base/bytes.h"

namespace loft::proto::imap {

SearchCost search_cost(const SearchKey& key) {
  using K = SearchKey::Kind;
  switch (key.kind) {
    case K::bcc: case K::cc: case K::from: case K::to: case K::subject: case K::header:
    case K::sent_before: case K::sent_on: case K::sent_since:
      return SearchCost::header;
    case K::body: case K::text:
      return SearchCost::body;
    case K::keyword: case K::unkeyword: case K::before: case K::on: case K::since:
    case K::larger: case K::smaller:
    case K::older: case K::younger:
    case K::emailid: case K::saved_before: case K::saved_on: case K::saved_since:
      return SearchCost::record;
    case K::not_: case K::or_: case K::all_of: {
      SearchCost most = SearchCost::view;
      for (const SearchKey& c : key.children) most = std::max(most, search_cost(c));
      return most;
    }
    default:
      return SearchCost::view;
  }
}

void order_by_cost(SearchKey* key) {
  for (SearchKey& c : key->children) order_by_cost(&c);
  if (key->kind == SearchKey::Kind::or_ && search_cost(key->children[1]) < search_cost(key->children[0])) {
    std::swap(key->children[0], key->children[1]);  // OR is commutative too
  }
  if (key->kind == SearchKey::Kind::all_of) {
    // stable: equal costs keep the client's order
    std::stable_sort(key->children.begin(), key->children.end(), [](const SearchKey& a, const SearchKey& b) {
      return search_cost(a) < search_cost(b);
    });
  }
}

bool has_fuzzy_text(const SearchKey& key) {
  using K = SearchKey::Kind;
  if (key.fuzzy && (key.kind == K::body || key.kind == K::text || key.kind == K::subject)) return true;
  for (const SearchKey& c : key.children) {
    if (has_fuzzy_text(c)) return true;
  }
  return false;
}

bool has_recent_key(const SearchKey& key) {
  using K = SearchKey::Kind;
  if (key.kind == K::recent || key.kind == K::new_ || key.kind == K::old) return true;
  for (const SearchKey& c : key.children) {
    if (has_recent_key(c)) return true;
  }
  return false;
}

bool has_record_key(const SearchKey& key) {
  if (key.children.empty()) return search_cost(key) == SearchCost::record;
  for (const SearchKey& c : key.children) {
    if (has_record_key(c)) return true;
  }
  return false;
}

bool search_charset_supported(std::string_view charset) {
  return iequals(charset, "UTF-8") || iequals(charset, "US-ASCII") || iequals(charset, "UTF8");
}

}  // namespace loft::proto::imap

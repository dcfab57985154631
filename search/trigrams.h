// Character trigrams of case-folded UTF-8 text: the terms of the search
// index (docs/search.md). Any substring of three or more characters of a
// text has all of its trigrams in the text's trigrams, so the AND of a
// needle's trigrams selects a superset of the texts containing it (RFC 3501
// §6.4.4 substring semantics), which the plain evaluator then verifies.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace loft::search {

// Trigrams with a character at or below U+0020 (white space, controls) are
// not indexed: they are the most frequent and least selective, and leaving
// them out only makes a needle narrow less, never wrongly (both sides agree).
bool indexable_char(char32_t c);

// Collects the distinct indexable trigrams of a stream of folded text.
// Memory: the distinct trigrams (bounded by max_terms) and two characters.
class TrigramCollector {
 public:
  explicit TrigramCollector(size_t max_terms = kDefaultMaxTerms) : max_terms_(max_terms) {}
  // Appends text; a trigram may span two feeds (not a boundary()). An
  // incomplete UTF-8 sequence at the end waits for the next feed.
  void feed(std::string_view folded);
  // The texts before and after are not contiguous: no trigram spans this.
  void boundary();
  // The trigrams so far (UTF-8, 3 to 12 bytes each).
  const std::unordered_set<std::string>& terms() const { return terms_; }
  // True if max_terms was reached and trigrams were dropped: the document
  // must then be treated as unindexed for narrowing (see Index::add).
  bool overflowed() const { return overflowed_; }

  static constexpr size_t kDefaultMaxTerms = 200000;

 private:
  void push(char32_t c, std::string_view bytes);

  size_t max_terms_;
  std::unordered_set<std::string> terms_;
  std::string window_[2];  // the previous two characters' bytes
  size_t have_ = 0;        // how many of window_ are valid
  std::string held_;       // incomplete UTF-8 sequence from the last feed
  bool overflowed_ = false;
};

// The distinct indexable trigrams of a folded needle, in order of first
// appearance; empty when the needle has none (shorter than three characters,
// or only white space around short words): then the index cannot narrow.
std::vector<std::string> needle_trigrams(std::string_view folded_needle);

}  // namespace loft::search

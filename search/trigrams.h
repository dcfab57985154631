// Character n-grams of case-folded UTF-8 text: the terms of the search
// index (docs/search.md). The gram starting at a character is a bigram when
// that character is CJK (cjk_char: Han, Hiragana, Katakana, Hangul), else a
// trigram; the rule looks only at the characters inside the gram, so every
// gram of a substring is a gram of the text, and the AND of a needle's grams
// selects a superset of the texts containing it (RFC 3501 §6.4.4 substring
// semantics), which the plain evaluator then verifies. Bigrams let
// two-character CJK needles ("東京") narrow, and CJK text has far fewer
// distinct bigrams than trigrams.
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
// True for the characters whose gram is a bigram: CJK ideographs and their
// extensions, Hiragana, Katakana, Hangul (syllables and jamo), CJK
// punctuation and full-width forms.
bool cjk_char(char32_t c);
// True if the UTF-8 text holds a cjk_char.
bool has_cjk(std::string_view utf8);

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
  // The grams so far (UTF-8, 2 to 12 bytes each).
  const std::unordered_set<std::string>& terms() const { return terms_; }
  // True if max_terms was reached and trigrams were dropped: the document
  // must then be treated as unindexed for narrowing (see Index::add).
  bool overflowed() const { return overflowed_; }
  // Marks the text incomplete for another reason (an attachment whose text
  // could not be extracted): treated like an overflow.
  void set_overflowed() { overflowed_ = true; }

  static constexpr size_t kDefaultMaxTerms = 200000;

 private:
  void push(char32_t c, std::string_view bytes);

  size_t max_terms_;
  std::unordered_set<std::string> terms_;
  void insert(std::string gram);

  std::string window_[2];  // the previous two characters' bytes
  bool cjk_[2] = {false, false};  // cjk_char of each
  size_t have_ = 0;        // how many of window_ are valid
  std::string held_;       // incomplete UTF-8 sequence from the last feed
  bool overflowed_ = false;
};

// The distinct indexable grams of a folded needle (the collector's rule), in
// order of first appearance; empty when the needle has none (shorter than a
// gram, or only white space around short words): then the index cannot narrow.
std::vector<std::string> needle_trigrams(std::string_view folded_needle);

}  // namespace loft::search

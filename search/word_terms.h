// The distinct whole words of one field of a message (split by
// proto::imap::WordSplitter in the extractor, docs/search.md), indexed as
// word terms: a document holding word w in a field proves that the field's
// text contains w, so a one-word needle found this way needs no verification
// (RFC 3501 §6.4.4 substring semantics).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

#include "search/trigrams.h"

namespace loft::search {

// A bounded set of words. Words past the bound are dropped: a missing word
// term only means a match is verified by reading, never a wrong answer.
class WordTerms {
 public:
  explicit WordTerms(size_t max_terms = kDefaultMaxTerms) : max_terms_(max_terms) {}
  // Adds one folded word (at most 64 bytes, as the splitter gives them).
  // Runs holding CJK characters are skipped: unspaced CJK text makes them
  // phrases, rarely a whole needle, and CJK needles narrow well by bigrams.
  void add(std::string_view word) {
    if (terms_.size() < max_terms_ && !has_cjk(word)) terms_.emplace(word);
  }
  const std::unordered_set<std::string>& terms() const { return terms_; }

  static constexpr size_t kDefaultMaxTerms = 20000;

 private:
  size_t max_terms_;
  std::unordered_set<std::string> terms_;
};

// The distinct stems of one field's words (SEARCH=FUZZY, RFC 6203 §3), in
// every configured language, as the extractor computed them. Unlike a word
// term, a missing stem would lose a FUZZY match, so past the bound the set
// overflows (and empties): the document then matches every FUZZY condition.
class StemTerms {
 public:
  explicit StemTerms(size_t max_terms = WordTerms::kDefaultMaxTerms) : max_terms_(max_terms) {}
  // Adds one stem (UTF-8, at most 64 bytes as the stemmer gives them).
  void add(std::string_view stem) {
    if (overflowed_ || terms_.count(std::string(stem)) != 0) return;
    if (terms_.size() >= max_terms_) return set_overflowed();
    terms_.emplace(stem);
  }
  // Gives up on the field (its words overflowed before they were stemmed).
  void set_overflowed() {
    overflowed_ = true;
    terms_.clear();
  }
  // True once more distinct stems came than the bound allows.
  bool overflowed() const { return overflowed_; }
  const std::unordered_set<std::string>& terms() const { return terms_; }

 private:
  size_t max_terms_;
  bool overflowed_ = false;
  std::unordered_set<std::string> terms_;
};

}  // namespace loft::search

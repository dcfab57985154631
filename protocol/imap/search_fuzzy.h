// SEARCH=FUZZY (RFC 6203): inexact matching of BODY, TEXT and SUBJECT and
// the relevancy score of a match. Server-defined (RFC 6203 §3 leaves it to
// the server), documented in docs/search.md "FUZZY":
//   a FUZZY text key matches a text when every word of its needle (words of
//   search_words.h) either occurs in the text as an RFC 3501 substring or
//   stems equal (stemmer.h, any configured language) to a word of the text.
// Pure; the counts it keeps per text are bounded by the needle's words.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocol/imap/search_text.h"
#include "protocol/imap/search_words.h"

namespace loft::proto::imap {

// One FUZZY key's needle: its words and each word's stems.
struct FuzzyNeedle {
  explicit FuzzyNeedle(std::string_view folded_needle);
  std::vector<std::string> words;               // split_words(needle)
  std::vector<std::vector<std::string>> stems;  // per word, every configured language
};

// What one text showed of one needle.
struct FuzzyStats {
  std::vector<bool> exact;          // per needle word: an RFC 3501 substring of the text
  std::vector<uint32_t> stem_hits;  // per needle word: words of the text with an equal stem
  uint64_t text_words = 0;          // words of the text
  // Every needle word is exact or stem-matched (and the needle has words).
  bool matches() const;
};

// Collects FuzzyStats of several needles over one streamed folded text.
class FuzzySink final : public TextSink {
 public:
  explicit FuzzySink(std::vector<const FuzzyNeedle*> needles);
  void feed(std::string_view folded) override;
  void boundary() override;
  void finish();
  const FuzzyStats& stats(size_t i) const { return stats_[i]; }

 private:
  void on_word(std::string_view word);
  std::vector<const FuzzyNeedle*> needles_;
  std::vector<FuzzyStats> stats_;
  NeedleSet exact_;                          // every needle word, flattened
  std::vector<std::pair<size_t, size_t>> flat_;  // exact_ index -> (needle, word)
  std::unordered_map<std::string, std::vector<std::pair<size_t, size_t>>> by_stem_;
  WordSplitter splitter_;
};

// Sends text to two sinks (the exact needles and the fuzzy words).
class TeeSink final : public TextSink {
 public:
  TeeSink(TextSink* a, TextSink* b) : a_(a), b_(b) {}
  void feed(std::string_view folded) override { a_->feed(folded); b_->feed(folded); }
  void boundary() override { a_->boundary(); b_->boundary(); }

 private:
  TextSink* a_;
  TextSink* b_;
};

// Where a text came from: a subject counts more than other header text,
// which counts more than body text.
enum class FuzzyField : uint8_t { subject, header, body };

// How strongly a matching text matches, in (0, 1]:
//   weight(field) * (0.6 * quality + 0.4 * density), where
//   quality = (exact words + 0.6 * stem-only words) / needle words, and
//   density = h / (h + 3 + text_words / 100), h = max(stem hits, exact words).
// Weights: subject 1.0, header 0.8, body 0.7. 0 when it does not match.
double fuzzy_strength(const FuzzyStats& stats, FuzzyField field);

// RFC 6203 §4 score 1..100 from the strengths of a program's FUZZY text
// keys (0 for a key the message does not match): 1 + round(99 * mean).
// No FUZZY text key: 100 (every match is exact).
uint8_t relevancy_score(std::span<const double> strengths);

// "RELEVANCY (s1 s2 ...)": RFC 6203 §4 search-return-data, scores in the
// order of the matches as ALL (or ESORT's ALL) lists them.
std::string relevancy_return_data(std::span<const uint8_t> scores);

}  // namespace loft::proto::imap

// Words of case-folded search text, shared by the search index (word terms
// that prove a match, stems for SEARCH=FUZZY) and the plain evaluator, so
// both split text identically (docs/search.md).
//
// A word is a maximal run of letters, marks and digits (ICU u_isalnum or a
// combining mark), so every word is a substring of the text it came from:
// a text holding word w contains w (RFC 3501 §6.4.4 substring semantics).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

// True if c belongs to a word (letter, mark or digit).
bool word_char(char32_t c);

// Splits a stream of folded UTF-8 text into words, calling on_word for each
// complete one. A word may span feeds (not a boundary()). Words longer than
// kMaxWordBytes are dropped whole (they prove nothing a shorter needle needs
// and would bloat the index). Memory: one word and one partial character.
class WordSplitter {
 public:
  using OnWord = std::function<void(std::string_view word)>;
  explicit WordSplitter(OnWord on_word) : on_word_(std::move(on_word)) {}
  // Appends text; an incomplete UTF-8 sequence at the end waits for the next feed.
  void feed(std::string_view folded);
  // The texts before and after are not contiguous: ends the current word.
  void boundary();
  // End of text: emits the last word.
  void finish() { boundary(); }

  static constexpr size_t kMaxWordBytes = 64;

 private:
  void push(char32_t c, std::string_view bytes);
  void end_word();

  OnWord on_word_;
  std::string word_;
  bool too_long_ = false;
  std::string held_;  // incomplete UTF-8 sequence from the last feed
};

// The words of a whole folded needle, in order (duplicates kept).
std::vector<std::string> split_words(std::string_view folded);

}  // namespace loft::proto::imap

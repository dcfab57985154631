// Snowball stemming (libstemmer) for SEARCH=FUZZY (RFC 6203 §3): a word
// matches fuzzily when it stems equal to a word of the text in any of the
// configured languages. Pure: the evaluator and the indexer stem through
// here, so both see the same stems (docs/search.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace loft::proto::imap {

// True if libstemmer has an algorithm of that name ("english", "german"...).
bool stem_language_known(std::string_view language);

// Sets the languages FUZZY stems in, process-wide. Called once at startup
// (config load), before any search runs; names must be known. Default: english.
void set_stem_languages(std::vector<std::string> languages);
const std::vector<std::string>& stem_languages();

// Words longer than this are never stemmed (their stem is themselves): a
// bound on stemmer work per word; WordSplitter already drops longer words.
inline constexpr size_t kMaxStemBytes = 64;

// The stem of one folded word in one language (UTF-8); the word itself for
// an unknown language or a word over kMaxStemBytes. Thread-safe (one
// stemmer per thread and language).
std::string stem_word(std::string_view folded_word, std::string_view language);

// The distinct stems of a folded word in every configured language.
std::vector<std::string> word_stems(std::string_view folded_word);

}  // namespace loft::proto::imap

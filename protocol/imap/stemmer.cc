// Snowball stemmers (see stemmer.h).
#include "protocol/imap/stemmer.h"

#include <libstemmer.h>

#include <algorithm>
#include <map>
#include <memory>

namespace loft::proto::imap {
namespace {

std::vector<std::string>& languages_slot() {
  static std::vector<std::string> langs{"english"};
  return langs;
}

struct StemmerDelete {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};
using StemmerPtr = std::unique_ptr<sb_stemmer, StemmerDelete>;

// libstemmer stemmers keep state between calls: one per thread and language.
sb_stemmer* stemmer_for(std::string_view language) {
  thread_local std::map<std::string, StemmerPtr, std::less<>> cache;
  auto it = cache.find(language);
  if (it != cache.end()) return it->second.get();
  std::string name(language);
  StemmerPtr s(sb_stemmer_new(name.c_str(), "UTF_8"));
  sb_stemmer* raw = s.get();
  cache.emplace(std::move(name), std::move(s));  // null kept too: unknown stays unknown
  return raw;
}

}  // namespace

bool stem_language_known(std::string_view language) {
  for (const char** l = sb_stemmer_list(); *l != nullptr; ++l) {
    if (language == *l) return true;
  }
  return false;
}

void set_stem_languages(std::vector<std::string> languages) { languages_slot() = std::move(languages); }

const std::vector<std::string>& stem_languages() { return languages_slot(); }

std::string stem_word(std::string_view word, std::string_view language) {
  if (word.empty() || word.size() > kMaxStemBytes) return std::string(word);
  sb_stemmer* s = stemmer_for(language);
  if (s == nullptr) return std::string(word);
  const sb_symbol* out =
      sb_stemmer_stem(s, reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (out == nullptr) return std::string(word);  // out of memory: compare the word as is
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(sb_stemmer_length(s)));
}

std::vector<std::string> word_stems(std::string_view word) {
  std::vector<std::string> out;
  for (const std::string& lang : stem_languages()) {
    std::string s = stem_word(word, lang);
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace loft::proto::imap

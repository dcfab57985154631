// Character trigrams (see trigrams.h).
#include "search/trigrams.h"

#include "base/utf8.h"

namespace loft::search {
namespace {

// Calls f(char, bytes) for each complete character of s; returns the bytes
// of an incomplete trailing sequence.
template <class F>
std::string_view each_char(std::string_view s, F&& f) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = utf8_sequence_length(static_cast<unsigned char>(s[i]));
    if (i + n > s.size()) return s.substr(i);
    f(utf8_decode(s.substr(i, n)), s.substr(i, n));
    i += n;
  }
  return {};
}

}  // namespace

bool indexable_char(char32_t c) { return c > 0x20 && c != 0x7F; }

bool cjk_char(char32_t c) {
  return (c >= 0x1100 && c <= 0x11FF) ||   // Hangul Jamo
         (c >= 0x2E80 && c <= 0x2FDF) ||   // CJK and Kangxi radicals
         (c >= 0x3000 && c <= 0x33FF) ||   // CJK punctuation, Hiragana, Katakana, Bopomofo, compat Jamo
         (c >= 0x3400 && c <= 0x4DBF) ||   // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||   // CJK unified ideographs
         (c >= 0xA960 && c <= 0xA97F) ||   // Hangul Jamo extended A
         (c >= 0xAC00 && c <= 0xD7FF) ||   // Hangul syllables, Jamo extended B
         (c >= 0xF900 && c <= 0xFAFF) ||   // CJK compatibility ideographs
         (c >= 0xFF00 && c <= 0xFFEF) ||   // half- and full-width forms
         (c >= 0x20000 && c <= 0x3FFFF);   // CJK extensions B and later
}

bool has_cjk(std::string_view utf8) {
  bool found = false;
  each_char(utf8, [&found](char32_t c, std::string_view) { found = found || cjk_char(c); });
  return found;
}

void TrigramCollector::insert(std::string gram) {
  if (terms_.size() < max_terms_ || terms_.count(gram)) {
    terms_.insert(std::move(gram));
  } else {
    overflowed_ = true;
  }
}

// The gram starting at a character ends one character later if it is CJK,
// two otherwise: each position's gram is emitted once, when its last
// character arrives.
void TrigramCollector::push(char32_t c, std::string_view bytes) {
  if (!indexable_char(c)) {  // no indexed gram contains it: restart the window
    have_ = 0;
    return;
  }
  if (have_ >= 1 && cjk_[have_ - 1]) insert(window_[have_ - 1] + std::string(bytes));
  if (have_ == 2 && !cjk_[0]) {
    std::string t;
    t.reserve(window_[0].size() + window_[1].size() + bytes.size());
    t.append(window_[0]).append(window_[1]).append(bytes);
    insert(std::move(t));
  }
  if (have_ == 2) {
    window_[0] = std::move(window_[1]);
    cjk_[0] = cjk_[1];
    have_ = 1;
  }
  window_[have_].assign(bytes);
  cjk_[have_] = cjk_char(c);
  ++have_;
}

void TrigramCollector::feed(std::string_view folded) {
  if (!held_.empty()) {
    std::string joined = held_ + std::string(folded);
    held_.clear();
    held_ = std::string(each_char(joined, [this](char32_t c, std::string_view b) { push(c, b); }));
    return;
  }
  held_ = std::string(each_char(folded, [this](char32_t c, std::string_view b) { push(c, b); }));
}

void TrigramCollector::boundary() {
  have_ = 0;
  held_.clear();
}

std::vector<std::string> needle_trigrams(std::string_view folded_needle) {
  std::vector<std::string> out;
  std::vector<std::pair<char32_t, std::string>> chars;
  each_char(folded_needle, [&](char32_t ch, std::string_view b) { chars.emplace_back(ch, std::string(b)); });
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < chars.size(); ++i) {
    const size_t len = cjk_char(chars[i].first) ? 2 : 3;  // the collector's rule
    if (i + len > chars.size()) continue;
    std::string t;
    bool ok = true;
    for (size_t k = i; k < i + len && ok; ++k) {
      ok = indexable_char(chars[k].first);
      t += chars[k].second;
    }
    if (ok && seen.insert(t).second) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace loft::search

// Character trigrams (see trigrams.h).
#include "search/trigrams.h"

namespace loft::search {
namespace {

// Length of the UTF-8 sequence starting with lead byte b; 1 for invalid
// bytes, which then stand for themselves (folded text is valid UTF-8, with
// U+FFFD for what was not, so this is only a guard).
size_t seq_len(unsigned char b) {
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 1;
}

char32_t decode(std::string_view s) {
  auto b = static_cast<unsigned char>(s[0]);
  if (s.size() == 1) return b;
  char32_t c = s.size() == 2 ? (b & 0x1F) : s.size() == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t i = 1; i < s.size(); ++i) c = (c << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
  return c;
}

// Calls f(char, bytes) for each complete character of s; returns the bytes
// of an incomplete trailing sequence.
template <class F>
std::string_view each_char(std::string_view s, F&& f) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = seq_len(static_cast<unsigned char>(s[i]));
    if (i + n > s.size()) return s.substr(i);
    f(decode(s.substr(i, n)), s.substr(i, n));
    i += n;
  }
  return {};
}

}  // namespace

bool indexable_char(char32_t c) { return c > 0x20 && c != 0x7F; }

void TrigramCollector::push(char32_t c, std::string_view bytes) {
  if (!indexable_char(c)) {  // no indexed trigram contains it: restart the window
    have_ = 0;
    return;
  }
  if (have_ == 2) {
    if (terms_.size() < max_terms_) {
      std::string t;
      t.reserve(window_[0].size() + window_[1].size() + bytes.size());
      t.append(window_[0]).append(window_[1]).append(bytes);
      terms_.insert(std::move(t));
    } else {
      overflowed_ = true;
    }
    window_[0] = std::move(window_[1]);
    window_[1].assign(bytes);
    return;
  }
  window_[have_++].assign(bytes);
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
  for (size_t i = 0; i + 2 < chars.size(); ++i) {
    if (!indexable_char(chars[i].first) || !indexable_char(chars[i + 1].first) ||
        !indexable_char(chars[i + 2].first)) {
      continue;
    }
    std::string t = chars[i].second + chars[i + 1].second + chars[i + 2].second;
    if (seen.insert(t).second) out.push_back(std::move(t));
  }
  return out;
}

}  // namespace loft::search

// Words of folded search text (see search_words.h).
#include "protocol/imap/search_words.h"

#include <unicode/uchar.h>

#include "base/utf8.h"

namespace loft::proto::imap {
bool word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  auto u = static_cast<UChar32>(c);
  if (u_isalnum(u)) return true;
  auto cat = u_charType(u);
  return cat == U_NON_SPACING_MARK || cat == U_COMBINING_SPACING_MARK || cat == U_ENCLOSING_MARK;
}

void WordSplitter::end_word() {
  if (!word_.empty() && !too_long_) on_word_(word_);
  word_.clear();
  too_long_ = false;
}

void WordSplitter::push(char32_t c, std::string_view bytes) {
  if (!word_char(c)) {
    end_word();
    return;
  }
  if (too_long_) return;
  if (word_.size() + bytes.size() > kMaxWordBytes) {
    too_long_ = true;
    word_.clear();
    return;
  }
  word_.append(bytes);
}

void WordSplitter::feed(std::string_view folded) {
  std::string joined;
  if (!held_.empty()) {
    joined = held_;
    joined.append(folded);
    folded = joined;
    held_.clear();
  }
  size_t i = 0;
  while (i < folded.size()) {
    size_t n = utf8_sequence_length(static_cast<unsigned char>(folded[i]));
    if (i + n > folded.size()) {
      held_.assign(folded.substr(i));
      return;
    }
    std::string_view ch = folded.substr(i, n);
    push(utf8_decode(ch), ch);
    i += n;
  }
}

void WordSplitter::boundary() {
  held_.clear();
  end_word();
}

std::vector<std::string> split_words(std::string_view folded) {
  std::vector<std::string> out;
  WordSplitter s([&out](std::string_view w) { out.emplace_back(w); });
  s.feed(folded);
  s.finish();
  return out;
}

}  // namespace loft::proto::imap

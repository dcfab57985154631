// Word splitting of folded search text (protocol/imap/search_words.h).
#include "protocol/imap/search_words.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace protocol_imap_search_words_test {

namespace pi = loft::proto::imap;

namespace {

std::vector<std::string> split_fed(std::string_view text, size_t step) {
  std::vector<std::string> out;
  pi::WordSplitter s([&out](std::string_view w) { out.emplace_back(w); });
  for (size_t i = 0; i < text.size(); i += step) s.feed(text.substr(i, step));
  s.finish();
  return out;
}

}  // namespace

TEST_CASE("words are runs of letters, marks and digits") {
  using V = std::vector<std::string>;
  CHECK(pi::split_words("hello, world! re: q3-2026") == V{"hello", "world", "re", "q3", "2026"});
  CHECK(pi::split_words("straße отчёт café") == V{"straße", "отчёт", "café"});
  // A combining acute accent stays inside its word.
  CHECK(pi::split_words("cafe\xcc\x81 x") == V{"cafe\xcc\x81", "x"});
  CHECK(pi::split_words("東京の会議") == V{"東京の会議"});
  CHECK(pi::split_words("  \t\n--") == V{});
}

TEST_CASE("every split point gives the same words, and a boundary ends a word") {
  std::string text = "Größe über-sicht 東京 x1 café\xcc\x81 end";
  auto whole = pi::split_words(text);
  for (size_t step = 1; step < text.size(); ++step) CHECK(split_fed(text, step) == whole);
  std::vector<std::string> out;
  pi::WordSplitter s([&out](std::string_view w) { out.emplace_back(w); });
  s.feed("meet");
  s.boundary();
  s.feed("ing");
  s.finish();
  CHECK(out == std::vector<std::string>{"meet", "ing"});
}

TEST_CASE("words longer than the limit are dropped whole") {
  std::string longword(pi::WordSplitter::kMaxWordBytes + 1, 'a');
  CHECK(pi::split_words("ab " + longword + " cd") == std::vector<std::string>{"ab", "cd"});
  std::string exact(pi::WordSplitter::kMaxWordBytes, 'b');
  CHECK(pi::split_words(exact) == std::vector<std::string>{exact});
}

}  // namespace protocol_imap_search_words_test

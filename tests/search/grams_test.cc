// search/: the gram rule (trigrams, CJK bigrams) and word terms: every gram
// of a substring is a gram of the text however the text is fed; word terms
// prove matches; an index of the previous term scheme reads as rebuilding.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "search/index.h"
#include "search/trigrams.h"
#include "tests/storage/temp_store.h"

namespace search_grams_test {

namespace {

using loft::search::Field;
using loft::search::Index;
using loft::search::MessageTerms;
using loft::search::needle_trigrams;
using loft::search::TrigramCollector;

using loft::storage::testing::TempDir;

// A random text of up to 14 characters mixing Latin, Cyrillic, CJK, kana,
// Hangul, full-width forms and white space, as UTF-8, with its characters.
std::vector<std::string> random_chars(std::mt19937& rng) {
  static const std::vector<std::string> kAlphabet = {"a", "b", "c", " ", "\n", "é", "ж", "東", "京", "日",
                                                     "本", "ア", "の", "한", "국", "Ａ", "1", "-"};
  std::vector<std::string> chars(rng() % 15);
  for (auto& c : chars) c = kAlphabet[rng() % kAlphabet.size()];
  return chars;
}

std::string join(const std::vector<std::string>& chars, size_t from, size_t to) {
  std::string s;
  for (size_t i = from; i < to; ++i) s += chars[i];
  return s;
}

}  // namespace

TEST_CASE("grams: CJK characters start bigrams, others trigrams") {
  CHECK(needle_trigrams("東京") == std::vector<std::string>{"東京"});
  CHECK(needle_trigrams("東") .empty());
  CHECK(needle_trigrams("東京都") == std::vector<std::string>{"東京", "京都"});
  CHECK(needle_trigrams("こんにちは") == std::vector<std::string>{"こん", "んに", "にち", "ちは"});
  CHECK(needle_trigrams("한국") == std::vector<std::string>{"한국"});
  // Mixed: a Latin character starts a trigram even over CJK; a CJK one a bigram.
  CHECK(needle_trigrams("ab東京") == std::vector<std::string>{"ab東", "b東京", "東京"});
  CHECK(needle_trigrams("東a") == std::vector<std::string>{"東a"});
  CHECK(needle_trigrams("東 京").empty());  // white space is never in a gram
  CHECK(needle_trigrams("ab").empty());
  TrigramCollector c;
  c.feed("東京都");
  CHECK(c.terms() == std::unordered_set<std::string>{"東京", "京都"});
}

TEST_CASE("grams: every substring's grams are the text's, fed split at every offset") {
  std::mt19937 rng(1127);
  for (int round = 0; round < 400; ++round) {
    auto chars = random_chars(rng);
    const std::string text = join(chars, 0, chars.size());
    TrigramCollector whole;
    whole.feed(text);
    for (size_t cut = 0; cut <= text.size(); ++cut) {  // byte offsets: splits UTF-8 too
      TrigramCollector split;
      split.feed(text.substr(0, cut));
      split.feed(text.substr(cut));
      REQUIRE_MESSAGE(split.terms() == whole.terms(), "text '" << text << "' cut at " << cut);
    }
    for (size_t i = 0; i < chars.size(); ++i) {
      for (size_t j = i + 1; j <= chars.size(); ++j) {
        const std::string needle = join(chars, i, j);
        for (const auto& g : needle_trigrams(needle)) {
          REQUIRE_MESSAGE(whole.terms().count(g) == 1, "gram '" << g << "' of '" << needle << "' not in '" << text
                                                                  << "'");
        }
      }
    }
  }
}

TEST_CASE("index: word terms per field, and an older term scheme reads as rebuilding") {
  TempDir dir;
  {
    auto index = Index::open(dir.path());
    REQUIRE(index);
    MessageTerms a, b;
    a[Field::body].feed("meeting at noon");
    a.words_of(Field::body).add("meeting");
    a.words_of(Field::subject).add("budget");
    b[Field::body].feed("we meet");
    b.words_of(Field::body).add("meet");
    REQUIRE(index->add(1, 1, a));
    REQUIRE(index->add(1, 2, b));
    REQUIRE(index->add(2, 3, a));
    REQUIRE(index->set_indexed_through(1, 2));
    REQUIRE(index->commit());
    CHECK(*index->with_word(1, {Field::body}, "meeting") == std::vector<uint32_t>{1});
    CHECK(*index->with_word(1, {Field::body}, "meet") == std::vector<uint32_t>{2});  // words, not prefixes
    CHECK(index->with_word(1, {Field::body}, "budget")->empty());                   // per field
    CHECK(*index->with_word(1, {Field::body, Field::subject}, "budget") == std::vector<uint32_t>{1});
    CHECK(*index->with_word(2, {Field::body}, "meeting") == std::vector<uint32_t>{3});  // per mailbox
    // Fragments: every word term that contains the needle proves it.
    CHECK(*index->with_word_containing(1, {Field::body}, "eet", 10) == std::vector<uint32_t>{1, 2});
    CHECK(*index->with_word_containing(1, {Field::body}, "meet", 10) == std::vector<uint32_t>{1, 2});
    CHECK(*index->with_word_containing(1, {Field::body}, "eeting", 10) == std::vector<uint32_t>{1});
    CHECK(index->with_word_containing(1, {Field::body}, "udge", 10)->empty());                  // per field
    CHECK(*index->with_word_containing(1, {Field::subject}, "udge", 10) == std::vector<uint32_t>{1});
    CHECK(*index->with_word_containing(2, {Field::body}, "eet", 10) == std::vector<uint32_t>{3});  // per mailbox
    // Past max_terms containing words, only the exact word proves.
    CHECK(*index->with_word_containing(1, {Field::body}, "meet", 1) == std::vector<uint32_t>{2});
    CHECK(*index->current_format());
    CHECK(!index->stats()->rebuilding);
  }
  REQUIRE(loft::search::clear_format_mark(dir.path()));
  {
    auto reader = Index::open_reader(dir.path());
    REQUIRE(reader);
    CHECK(!*reader->current_format());
    CHECK(*reader->indexed_through(1) == 0);  // scanned until rebuilt
    CHECK(reader->stats()->rebuilding);
  }
  {
    auto writer = Index::open(dir.path());  // the indexer keeps writing: still old until rebuilt
    REQUIRE(writer);
    REQUIRE(writer->commit());
    CHECK(*writer->indexed_through(1) == 0);
  }
  REQUIRE(loft::search::remove_index(dir.path()));  // what a rebuild does first
  auto fresh = Index::open(dir.path());
  REQUIRE(fresh);
  REQUIRE(fresh->set_indexed_through(1, 9));
  REQUIRE(fresh->commit());
  CHECK(*fresh->indexed_through(1) == 9);
}

}  // namespace search_grams_test

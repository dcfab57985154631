// search/: trigrams and the Xapian index (narrowing, marks, removal, reopen).
#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include "search/index.h"
#include "search/trigrams.h"

namespace search_index_test {

namespace {

using loft::search::Field;
using loft::search::Index;
using loft::search::MessageTerms;
using loft::search::Narrow;

struct TempDir {
  std::string path;
  TempDir() {
    path = (std::filesystem::temp_directory_path() / ("loft-search-" + std::to_string(getpid()) + "-" +
                                                       std::to_string(reinterpret_cast<uintptr_t>(this))))
               .string();
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

MessageTerms terms(const std::string& body, const std::string& subject = "") {
  MessageTerms t;
  t[Field::body].feed(body);
  t[Field::subject].feed(subject);
  t[Field::header_text].feed("subject: " + subject);
  return t;
}

Narrow text(Field f, std::string needle) {
  Narrow n;
  n.op = Narrow::Op::text;
  n.fields = {f};
  n.folded_needle = std::move(needle);
  return n;
}

std::vector<uint32_t> find(Index& index, uint64_t mailbox, const Narrow& n) {
  auto r = index.candidates(mailbox, n);
  REQUIRE(r);
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("trigrams of a needle: every indexable window, no white space") {
  using loft::search::needle_trigrams;
  CHECK(needle_trigrams("ab").empty());
  CHECK(needle_trigrams("abc") == std::vector<std::string>{"abc"});
  CHECK(needle_trigrams("abcd") == std::vector<std::string>{"abc", "bcd"});
  CHECK(needle_trigrams("ab cd").empty());
  CHECK(needle_trigrams("abab") == std::vector<std::string>{"aba", "bab"});
  // Characters, not bytes: Cyrillic and CJK trigrams are three code points.
  CHECK(needle_trigrams("при") == std::vector<std::string>{"при"});
  CHECK(needle_trigrams("при") == std::vector<std::string>{"при"});  // not CJK: a trigram
  CHECK(needle_trigrams("日本語") == std::vector<std::string>{"日本", "本語"});  // CJK: bigrams
}

TEST_CASE("collector: trigrams span feeds and split UTF-8, never a boundary") {
  loft::search::TrigramCollector c;
  c.feed("ab");
  c.feed("c");
  std::string s = "\xd0\xbf";  // "п" split across two feeds
  c.feed(s.substr(0, 1));
  c.feed(s.substr(1));
  c.boundary();
  c.feed("xyz");
  CHECK(c.terms().count("abc") == 1);
  CHECK(c.terms().count("bcп") == 1);
  CHECK(c.terms().count("cпx") == 0);
  CHECK(c.terms().count("xyz") == 1);
  CHECK(c.terms().size() == 3);
}

TEST_CASE("collector: overflow is reported, never silent") {
  loft::search::TrigramCollector c(2);
  c.feed("abcdef");
  CHECK(c.terms().size() == 2);
  CHECK(c.overflowed());
}

TEST_CASE("index: candidates by field, AND/OR, marks, removal, overflow") {
  TempDir dir;
  auto opened = Index::open(dir.path);
  REQUIRE(opened);
  Index& index = *opened;
  REQUIRE(index.add(1, 1, terms("the quick brown fox", "hello")));
  REQUIRE(index.add(1, 2, terms("lazy dog", "quickly")));
  REQUIRE(index.add(2, 1, terms("quick in another mailbox")));
  CHECK(find(index, 1, text(Field::body, "quick")) == std::vector<uint32_t>{1});
  CHECK(find(index, 1, text(Field::subject, "quick")) == std::vector<uint32_t>{2});
  CHECK(find(index, 2, text(Field::body, "quick")) == std::vector<uint32_t>{1});
  CHECK(find(index, 1, text(Field::body, "uic")) == std::vector<uint32_t>{1});
  CHECK(find(index, 1, text(Field::body, "zzz")).empty());
  Narrow any;
  any.op = Narrow::Op::or_;
  any.children = {text(Field::body, "fox"), text(Field::body, "dog")};
  CHECK(find(index, 1, any) == std::vector<uint32_t>{1, 2});
  Narrow both;
  both.op = Narrow::Op::and_;
  both.children = {text(Field::body, "fox"), text(Field::body, "dog")};
  CHECK(find(index, 1, both).empty());
  // A needle without trigrams, or an OR with an undecidable side, cannot narrow.
  auto none = index.candidates(1, text(Field::body, "ox"));
  REQUIRE(none);
  CHECK(!none->has_value());
  Narrow half;
  half.op = Narrow::Op::or_;
  half.children = {text(Field::body, "fox"), Narrow{}};
  auto h = index.candidates(1, half);
  REQUIRE(h);
  CHECK(!h->has_value());

  REQUIRE(index.set_indexed_through(1, 2));
  REQUIRE(index.set_indexed_through(1, 1));  // never lowered
  CHECK(*index.indexed_through(1) == 2);
  CHECK(*index.indexed_through(3) == 0);

  // Removed: counted dead, still stored (no termlist to delete it by); the
  // caller only asks about uids its mailbox still has.
  REQUIRE(index.remove(1, 1));
  REQUIRE(index.commit());
  CHECK(find(index, 1, text(Field::body, "fox")) == std::vector<uint32_t>{1});
  CHECK(index.stats()->dead == 1);
  CHECK(index.stats()->documents == 2);
  // Added twice (a job repeated after a crash): listed once.
  REQUIRE(index.add(1, 2, terms("lazy dog", "quickly")));
  CHECK(find(index, 1, text(Field::body, "dog")) == std::vector<uint32_t>{2});

  MessageTerms big;
  big[Field::body] = loft::search::TrigramCollector(1);
  big[Field::body].feed("abcdefgh");
  REQUIRE(big[Field::body].overflowed());
  REQUIRE(index.add(1, 7, big));
  CHECK(find(index, 1, text(Field::body, "zzz")) == std::vector<uint32_t>{7});
  REQUIRE(index.commit());
}

TEST_CASE("index: readers see commits; a second writer is in_use; optimize keeps documents") {
  TempDir dir;
  CHECK(Index::open_reader(dir.path).error().code == loft::Errc::not_found);
  {
    auto w = Index::open(dir.path);
    REQUIRE(w);
    REQUIRE(w->add(1, 5, terms("searchable words")));
    REQUIRE(w->set_indexed_through(1, 5));
    REQUIRE(w->commit());
    auto second = Index::open(dir.path);
    CHECK(!second);
    CHECK(second.error().code == loft::Errc::in_use);
    auto r = Index::open_reader(dir.path);
    REQUIRE(r);
    CHECK(find(*r, 1, text(Field::body, "chab")) == std::vector<uint32_t>{5});
    CHECK(*r->indexed_through(1) == 5);
  }
  REQUIRE(loft::search::optimize_index(dir.path));
  auto r = Index::open_reader(dir.path);
  REQUIRE(r);
  CHECK(find(*r, 1, text(Field::body, "words")) == std::vector<uint32_t>{5});
  CHECK(r->stats()->documents == 1);
  CHECK(r->stats()->bytes > 0);
}

}  // namespace search_index_test

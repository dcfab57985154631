// Stem terms for SEARCH=FUZZY (RFC 6203): what the extractor stems, how a
// fuzzy Narrow selects by grams or stems, and the stems signature that
// keeps an index of other languages (or of none) from narrowing FUZZY keys.
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/stemmer.h"
#include "search/index.h"
#include "server/search/extract.h"
#include "tests/storage/temp_store.h"

namespace search_fuzzy_index_test {

namespace {

using loft::search::Field;
using loft::search::FuzzyWord;
using loft::search::Index;
using loft::search::MessageTerms;
using loft::search::Narrow;

// A message's terms as the indexer makes them, from its bytes.
MessageTerms extracted(const std::string& message) {
  MessageTerms t;
  auto read = [&message](uint64_t off, uint64_t len) -> loft::Result<std::string> {
    return off >= message.size() ? std::string() : message.substr(off, len);
  };
  REQUIRE(loft::server::search::extract_terms(read, message.size(), message.find("\r\n\r\n") + 4, &t));
  return t;
}

std::string mail(const std::string& subject, const std::string& body) {
  return "From: a@example.org\r\nSubject: " + subject + "\r\n\r\n" + body + "\r\n";
}

// A FUZZY BODY-like condition over body grams and body stems.
Narrow fuzzy(std::vector<std::string> words, Field grams = Field::body, Field stems = Field::body) {
  Narrow n;
  n.op = Narrow::Op::fuzzy;
  n.fields = {grams};
  n.stem_fields = {stems};
  for (auto& w : words) {
    auto s = loft::proto::imap::word_stems(w);
    n.fuzzy_words.push_back(FuzzyWord{std::move(w), std::move(s)});
  }
  return n;
}

std::optional<std::vector<uint32_t>> candidates(Index& index, const Narrow& n) {
  auto r = index.candidates(1, n);
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("the extractor stems the words of body, header text and subject, not of the address fields") {
  MessageTerms t = extracted(mail("Meetings planned", "We attached the reports."));
  const auto& body = t.stems_of(Field::body).terms();
  CHECK(body.count("attach") == 1);   // english: attached -> attach
  CHECK(body.count("report") == 1);
  CHECK(t.stems_of(Field::subject).terms().count("meet") == 1);
  CHECK(t.stems_of(Field::header_text).terms().count("plan") == 1);
  CHECK(t.stems_of(Field::from).terms().empty());
  CHECK(t.words_of(Field::header_text).terms().empty());  // header text keeps no word terms
}

TEST_CASE("a fuzzy condition selects by each word's grams or stems") {
  loft::storage::testing::TempDir dir;
  auto index = Index::open(dir.path());
  REQUIRE(index);
  REQUIRE(index->add(1, 1, extracted(mail("a", "the meetings were long"))));
  REQUIRE(index->add(1, 2, extracted(mail("b", "one meeting"))));
  REQUIRE(index->add(1, 3, extracted(mail("c", "nothing of the sort"))));
  REQUIRE(index->add(1, 4, extracted(mail("meeting", "elsewhere"))));
  // "meet" is its own stem: kept as a word term (body) or by its grams (header text) only.
  REQUIRE(index->add(1, 5, extracted(mail("we meet", "we meet"))));
  REQUIRE(index->commit());
  CHECK(extracted(mail("we meet", "we meet")).stems_of(Field::body).terms().count("meet") == 0);
  CHECK(extracted(mail("we meet", "we meet")).stems_of(Field::header_text).terms().count("meet") == 0);

  // "meeting": exact in 2 (grams), stem "meet" in 1 and 5; 4 has it only in its subject.
  CHECK(candidates(*index, fuzzy({"meeting"})) == std::vector<uint32_t>{1, 2, 5});
  // Every word must be there: "long" only in 1.
  CHECK(candidates(*index, fuzzy({"meeting", "longs"})) == std::vector<uint32_t>{1});
  // A word without grams ("of") rules nothing out; the other word still narrows.
  CHECK(candidates(*index, fuzzy({"of", "sorts"})) == std::vector<uint32_t>{3});
  CHECK(!candidates(*index, fuzzy({"of"})).has_value());
  // SUBJECT: header_text grams, subject stems.
  CHECK(candidates(*index, fuzzy({"meetings"}, Field::header_text, Field::subject)) == std::vector<uint32_t>{4, 5});
  // TEXT's header side: header_text grams and stems.
  CHECK(candidates(*index, fuzzy({"meetings"}, Field::header_text, Field::header_text)) == std::vector<uint32_t>{4, 5});
}

TEST_CASE("a field whose stems overflowed makes the document a candidate of every fuzzy condition") {
  loft::storage::testing::TempDir dir;
  auto index = Index::open(dir.path());
  REQUIRE(index);
  MessageTerms full = extracted(mail("x", "alpha"));
  full.stems_of(Field::body).set_overflowed();
  REQUIRE(index->add(1, 1, full));
  REQUIRE(index->add(1, 2, extracted(mail("y", "beta"))));
  REQUIRE(index->commit());
  CHECK(candidates(*index, fuzzy({"gamma"})) == std::vector<uint32_t>{1});
}

TEST_CASE("stems narrow only in an index whose every document has stems of the current languages") {
  loft::storage::testing::TempDir dir;
  {
    auto index = Index::open(dir.path());
    REQUIRE(index);
    CHECK(!index->stems_match("english").value());  // no mark: written before stem terms
    REQUIRE(index->prepare_stems("english"));       // empty: takes it
    REQUIRE(index->add(1, 1, extracted(mail("a", "meetings"))));
    REQUIRE(index->commit());
    CHECK(index->stems_match("english").value());
    CHECK(!index->stems_match("english,german").value());
    CHECK(!index->stems_match("").value());
  }
  {
    auto index = Index::open(dir.path());  // the configuration changed: documents disagree now
    REQUIRE(index);
    REQUIRE(index->prepare_stems("german"));
    REQUIRE(index->commit());
    CHECK(!index->stems_match("german").value());
    CHECK(!index->stems_match("english").value());
    REQUIRE(index->prepare_stems("english"));  // and going back does not undo it
    REQUIRE(index->commit());
    CHECK(!index->stems_match("english").value());
  }
  // A rebuild starts afresh.
  REQUIRE(loft::search::remove_index(dir.path()));
  auto index = Index::open(dir.path());
  REQUIRE(index);
  REQUIRE(index->prepare_stems("german"));
  REQUIRE(index->commit());
  CHECK(index->stems_match("german").value());
}

TEST_CASE("the stems signature names the configured languages in order") {
  const auto saved = loft::proto::imap::stem_languages();
  loft::proto::imap::set_stem_languages({"english", "german"});
  CHECK(loft::server::search::stem_signature() == "english,german");
  loft::proto::imap::set_stem_languages({});
  CHECK(loft::server::search::stem_signature() == "none");
  loft::proto::imap::set_stem_languages(saved);
  CHECK(loft::server::search::stem_signature() == "english");
}

}  // namespace search_fuzzy_index_test

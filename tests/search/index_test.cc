// Tests of the search index against real Xapian databases in /tmp.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "search/index.h"

namespace fs = std::filesystem;
using loft::Errc;
using loft::search::Field;
using loft::search::Index;
using loft::search::IndexedFields;
using loft::search::Query;
using UidList = std::vector<uint32_t>;

namespace {

// A fresh directory under /tmp, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/loft-search-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

Index open_index(const std::string& dir) {
  auto index = Index::open(dir);
  REQUIRE_MESSAGE(index.ok(), (index.ok() ? "" : index.error().message));
  return std::move(index).value();
}

void add(Index& index, uint64_t mailbox, uint32_t uid, const IndexedFields& f) {
  auto r = index.add(mailbox, uid, f);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
}

UidList find(Index& index, uint64_t mailbox, Query q) {
  auto r = index.search(mailbox, q);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message));
  return r.value();
}

UidList find(Index& index, uint64_t mailbox, Field field, const std::string& text) {
  return find(index, mailbox, Query{{{field, text}}});
}

// Three messages in mailbox 1, added out of uid order, and one in mailbox 2
// reusing uid 1.
void fill(Index& index) {
  add(index, 1, 7,
      {"Jane Doe <jane@example.com>", "team@example.com", "boss@example.com",
       "Quarterly report", "Numbers are attached. Revenue grew."});
  add(index, 1, 2,
      {"Bob <bob@example.org>", "jane@example.com", "",
       "Lunch on Friday?", "Shall we meet for lunch? The report can wait."});
  add(index, 1, 4,
      {"Carol <carol@example.net>", "team@example.com", "jane@example.com",
       "Re: Quarterly report", "Thanks Jane, the numbers look good."});
  add(index, 2, 1,
      {"Bob <bob@example.org>", "jane@example.com", "",
       "Quarterly report (copy)", "Archived copy."});
}

}  // namespace

TEST_CASE("search by each field") {
  TempDir tmp;
  Index index = open_index(tmp.sub("acct"));
  fill(index);

  CHECK(find(index, 1, Field::from, "jane") == UidList{7});
  CHECK(find(index, 1, Field::from, "bob@example.org") == UidList{2});
  CHECK(find(index, 1, Field::to, "team") == UidList{4, 7});
  CHECK(find(index, 1, Field::cc, "jane") == UidList{4});
  CHECK(find(index, 1, Field::subject, "lunch") == UidList{2});
  CHECK(find(index, 1, Field::body, "numbers") == UidList{4, 7});
  // Field::text is any field: "jane" is in from, to, cc or body of each.
  CHECK(find(index, 1, Field::text, "jane") == UidList{2, 4, 7});
  CHECK(find(index, 1, Field::text, "revenue") == UidList{7});
  // A word in another field only does not match.
  CHECK(find(index, 1, Field::subject, "numbers").empty());
  CHECK(find(index, 1, Field::body, "quarterly").empty());
}

TEST_CASE("words: case-insensitive, no stemming, phrases in order") {
  TempDir tmp;
  Index index = open_index(tmp.sub("acct"));
  fill(index);

  CHECK(find(index, 1, Field::subject, "QUARTERLY") == UidList{4, 7});
  CHECK(find(index, 1, Field::body, "grew") == UidList{7});
  CHECK(find(index, 1, Field::body, "grow").empty());
  CHECK(find(index, 1, Field::body, "number").empty());
  CHECK(find(index, 1, Field::subject, "quart").empty());  // words, not substrings
  CHECK(find(index, 1, Field::subject, "quarterly report") == UidList{4, 7});
  CHECK(find(index, 1, Field::subject, "report quarterly").empty());
  CHECK(find(index, 1, Field::text, "look good") == UidList{4});
}

TEST_CASE("conjunctions, empty terms and query syntax in input") {
  TempDir tmp;
  Index index = open_index(tmp.sub("acct"));
  fill(index);

  CHECK(find(index, 1, Query{{{Field::subject, "report"}, {Field::cc, "jane"}}}) == UidList{4});
  CHECK(find(index, 1, Query{{{Field::subject, "report"}, {Field::from, "jane"}}}) == UidList{7});
  CHECK(find(index, 1, Query{{{Field::subject, "lunch"}, {Field::from, "jane"}}}).empty());
  // No terms, or terms without words, match every message of the mailbox.
  CHECK(find(index, 1, Query{}) == UidList{2, 4, 7});
  CHECK(find(index, 1, Query{{{Field::body, ""}, {Field::subject, "?!"}}}) == UidList{2, 4, 7});
  CHECK(find(index, 2, Query{}) == UidList{1});
  // Query-parser syntax is just words here: no OR, no field prefixes.
  CHECK(find(index, 1, Field::text, "lunch OR revenue").empty());
  CHECK(find(index, 1, Field::body, "subject:lunch").empty());
}

TEST_CASE("mailboxes are isolated") {
  TempDir tmp;
  Index index = open_index(tmp.sub("acct"));
  fill(index);

  CHECK(find(index, 2, Field::subject, "report") == UidList{1});
  CHECK(find(index, 2, Field::body, "archived") == UidList{1});
  CHECK(find(index, 1, Field::body, "archived").empty());
  CHECK(find(index, 3, Query{}).empty());
  // Removing uid 1 of mailbox 2 leaves the others alone.
  REQUIRE(index.remove(2, 1).ok());
  CHECK(find(index, 2, Query{}).empty());
  CHECK(find(index, 1, Query{}) == UidList{2, 4, 7});
}

TEST_CASE("re-adding replaces, remove drops") {
  TempDir tmp;
  Index index = open_index(tmp.sub("acct"));
  fill(index);

  add(index, 1, 2, {"Bob <bob@example.org>", "jane@example.com", "", "Dinner instead", "Never mind."});
  CHECK(find(index, 1, Field::subject, "lunch").empty());
  CHECK(find(index, 1, Field::subject, "dinner") == UidList{2});
  CHECK(find(index, 1, Query{}) == UidList{2, 4, 7});

  REQUIRE(index.remove(1, 4).ok());
  CHECK(find(index, 1, Field::body, "numbers") == UidList{7});
  CHECK(index.remove(1, 4).ok());    // already gone: still fine
  CHECK(index.remove(9, 99).ok());   // never there

  REQUIRE(index.remove_mailbox(1).ok());
  CHECK(find(index, 1, Query{}).empty());
  CHECK(find(index, 2, Query{}) == UidList{1});
}

TEST_CASE("committed changes survive reopening") {
  TempDir tmp;
  const std::string dir = tmp.sub("deep/nested/acct");  // parents are created
  {
    Index index = open_index(dir);
    fill(index);
    REQUIRE(index.remove(1, 2).ok());
    REQUIRE(index.commit().ok());
  }
  Index index = open_index(dir);
  CHECK(find(index, 1, Query{}) == UidList{4, 7});
  CHECK(find(index, 1, Field::subject, "quarterly report") == UidList{4, 7});
  CHECK(find(index, 2, Field::from, "bob") == UidList{1});
}

TEST_CASE("failures are values, not exceptions") {
  TempDir tmp;

  SUBCASE("a regular file is not an index directory") {
    const std::string file = tmp.sub("plain-file");
    std::ofstream(file) << "not a database\n";
    auto index = Index::open(file);
    REQUIRE_FALSE(index.ok());
    CHECK(index.error().code == Errc::temp);
    CHECK_FALSE(index.error().message.empty());
  }
  SUBCASE("a directory inside a regular file") {
    const std::string file = tmp.sub("plain-file");
    std::ofstream(file) << "x";
    auto index = Index::open(file + "/acct");
    REQUIRE_FALSE(index.ok());
    CHECK(index.error().code == Errc::temp);
  }
  SUBCASE("a directory Xapian cannot create its files in") {
    // A directory where Xapian's version file belongs: Xapian itself throws.
    fs::create_directories(tmp.sub("acct/iamglass"));
    auto index = Index::open(tmp.sub("acct"));
    REQUIRE_FALSE(index.ok());
    CHECK(index.error().code == Errc::temp);
    CHECK(index.error().message.find("DatabaseCreateError") != std::string::npos);
  }
  SUBCASE("one writer per directory") {
    Index first = open_index(tmp.sub("acct"));
    auto second = Index::open(tmp.sub("acct"));
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == Errc::in_use);
  }
  SUBCASE("uid 0 is rejected") {
    Index index = open_index(tmp.sub("acct"));
    auto r = index.add(1, 0, {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::bad_input);
  }
  SUBCASE("a moved-from index reports instead of crashing") {
    Index index = open_index(tmp.sub("acct"));
    Index other = std::move(index);
    auto r = index.search(1, Query{});  // NOLINT(bugprone-use-after-move): the point
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::internal);
    CHECK(other.search(1, Query{}).ok());
  }
}

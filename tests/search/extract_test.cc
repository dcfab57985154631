// Text extraction for the index: the decoded, case-folded text of corpus
// messages (transfer encodings, RFC 2047 headers, charsets through iconv,
// multipart and nested messages) against golden files in
// tests/search/golden/, written by LOFT_WRITE_GOLDEN=1 and checked by hand.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "corpus_util.h"
#include "server/search/extract.h"

namespace search_extract_test {

namespace {

const char* const kGolden[] = {
    "synthetic/charsets/big5-subject-b.eml",
    "synthetic/charsets/euc-jp-subject-b.eml",
    "synthetic/charsets/gb2312-subject-q-8bit-body.eml",
    "synthetic/charsets/iso-8859-15-subject-q.eml",
    "synthetic/charsets/iso-8859-5-subject-q.eml",
    "synthetic/charsets/iso-8859-7-subject-b.eml",
    "synthetic/charsets/koi8-r-subject-b.eml",
    "synthetic/charsets/shift_jis-split-multibyte-across-words.eml",
    "synthetic/charsets/windows-1250-subject-q.eml",
    "flanker/messages/8bitmime.eml",
    "flanker/messages/apache-message-news-mime.eml",
    "flanker/messages/attached-pdf.eml",
    "mail-parser/thirdparty/018.eml",  // quoted-printable HTML
};

std::string golden_name(std::string path) {
  for (char& c : path) {
    if (c == '/') c = '_';
  }
  return loft::test::source_dir() + "/tests/search/golden/" + path + ".txt";
}

}  // namespace

TEST_CASE("extracted text of corpus messages equals the golden text") {
  bool write = std::getenv("LOFT_WRITE_GOLDEN") != nullptr;
  for (const char* path : kGolden) {
    CAPTURE(path);
    std::string bytes = loft::test::read_file(loft::test::corpus_dir() + "/" + path);
    REQUIRE(!bytes.empty());
    size_t lf = bytes.find("\n\n"), crlf = bytes.find("\r\n\r\n");
    uint64_t header = std::min(lf == std::string::npos ? bytes.size() : lf + 2,
                               crlf == std::string::npos ? bytes.size() : crlf + 4);
    auto read = [&bytes](uint64_t off, uint64_t len) -> loft::Result<std::string> {
      return off >= bytes.size() ? std::string() : bytes.substr(off, len);
    };
    auto text = loft::server::search::extract_text(read, bytes.size(), header);
    REQUIRE(text);
    if (write) {
      std::filesystem::create_directories(loft::test::source_dir() + "/tests/search/golden");
      std::ofstream(golden_name(path), std::ios::binary) << *text;
      continue;
    }
    CHECK(*text == loft::test::read_file(golden_name(path)));
  }
}

TEST_CASE("extraction decodes charsets and folds case the way SEARCH does") {
  const std::string msg =
      "From: =?koi8-r?B?8NLJ18XU?= <a@example.org>\r\n"
      "Subject: =?iso-8859-1?Q?Gr=FC=DFe?=\r\n"
      "Content-Type: text/plain; charset=windows-1251\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "=CF=F0=E8=E2=E5=F2 WORLD\r\n";
  auto read = [&msg](uint64_t off, uint64_t len) -> loft::Result<std::string> {
    return off >= msg.size() ? std::string() : msg.substr(off, len);
  };
  auto text = loft::server::search::extract_text(read, msg.size(), msg.find("\r\n\r\n") + 4);
  REQUIRE(text);
  CHECK(text->find("[body]\nпривет world") != std::string::npos);
  CHECK(text->find("[from]\nпривет <a@example.org>") != std::string::npos);
  CHECK(text->find("[subject]\ngrüsse") != std::string::npos);  // NFKC_Casefold: ß is ss
  CHECK(text->find("ß") == std::string::npos);
  loft::search::MessageTerms terms;
  REQUIRE(loft::server::search::extract_terms(read, msg.size(), msg.find("\r\n\r\n") + 4, &terms));
  CHECK(terms[loft::search::Field::body].terms().count("вет") == 1);
  // The named fields keep words only; their grams are header_text's.
  CHECK(terms[loft::search::Field::subject].terms().empty());
  CHECK(terms[loft::search::Field::header_text].terms().count("üss") == 1);
  CHECK(terms.words_of(loft::search::Field::subject).terms().count("grüsse") == 1);
  CHECK(terms.words_of(loft::search::Field::body).terms().count("привет") == 1);
  CHECK(terms.words_of(loft::search::Field::header_text).terms().empty());
}

}  // namespace search_extract_test

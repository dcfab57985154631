// External attachment extractors (server/search/extractor_process.h,
// attachments.h): limits of one run, the content-hash cache, the size cap,
// the signature, and Debian's pdftotext on a generated PDF.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "server/search/attachments.h"
#include "server/search/extractor_process.h"
#include "tests/search/corpus_util.h"
#include "tests/storage/temp_store.h"

namespace search_attachments_test {

using namespace loft::server::search;
using loft::AttachmentConfig;
using loft::Errc;
using loft::test::read_file;
using loft::storage::testing::TempDir;

namespace {

void write_file(const std::string& path, const std::string& data) { std::ofstream(path, std::ios::binary) << data; }

// A one-page PDF showing `text` (Helvetica), with a correct xref table.
std::string make_pdf(const std::string& text) {
  const std::string stream = "BT /F1 12 Tf 72 712 Td (" + text + ") Tj ET";
  const std::string objs[] = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
      "/Resources << /Font << /F1 5 0 R >> >> >>",
      "<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream + "\nendstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"};
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < 5; ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 6\n0000000000 65535 f \n";
  for (size_t off : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    pdf += line;
  }
  pdf += "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

std::optional<std::string> extract(AttachmentExtractor& x, std::string_view type, const std::string& bytes,
                                   size_t step = 1000) {
  auto job = x.begin(type, "");
  REQUIRE(job != nullptr);
  for (size_t i = 0; i < bytes.size(); i += step) job->feed(std::string_view(bytes).substr(i, step));
  return job->finish();
}

}  // namespace

TEST_CASE("run_extractor: output, its cap, exit status, missing program, timeout of the whole group") {
  TempDir dir;
  const std::string file = dir.path() + "/in";
  write_file(file, "hello attachment\n");
  const std::vector<std::string> cat{"sh", "-c", "cat \"$0\"", "%f"};
  auto ok = run_extractor(cat, file, 1 << 20, std::chrono::milliseconds(5000));
  REQUIRE(ok);
  CHECK(*ok == "hello attachment\n");
  auto capped = run_extractor(cat, file, 5, std::chrono::milliseconds(5000));
  REQUIRE(capped);
  CHECK(*capped == "hello");
  auto failed = run_extractor({"sh", "-c", "echo partial; exit 3", "%f"}, file, 100, std::chrono::milliseconds(5000));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code == Errc::bad_input);
  auto missing = run_extractor({"no-such-extractor-here", "%f"}, file, 100, std::chrono::milliseconds(5000));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::bad_input);
  // A child that keeps the output open: killed with its group at the timeout.
  const auto start = std::chrono::steady_clock::now();
  auto slow = run_extractor({"sh", "-c", "sleep 30 & sleep 30", "%f"}, file, 100, std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(slow);
  CHECK(slow.error().code == Errc::temp);
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("AttachmentExtractor: configured types only, one run per distinct content, size cap, signature") {
  TempDir dir;
  AttachmentConfig config;
  config.enabled = true;
  config.max_size = 1000;
  const std::string counter = dir.path() + "/runs";
  config.extractors = {{"application/x-test", {"sh", "-c", "echo run >> \"$1\"; tr a-z A-Z < \"$0\"", "%f", counter}}};
  auto x = AttachmentExtractor::create(config, dir.path() + "/spool");
  REQUIRE(x != nullptr);
  CHECK(x->begin("application/pdf", "a.pdf") == nullptr);  // not configured here
  CHECK(x->begin("application/octet-stream", "a.bin") == nullptr);
  CHECK(extract(*x, "application/x-test", "first text", 3) == std::optional<std::string>("FIRST TEXT"));
  CHECK(extract(*x, "application/x-test", "first text") == std::optional<std::string>("FIRST TEXT"));  // cached
  CHECK(read_file(dir.path() + "/runs") == "run\n");
  CHECK(extract(*x, "application/x-test", "second") == std::optional<std::string>("SECOND"));
  CHECK(read_file(dir.path() + "/runs") == "run\nrun\n");
  // Over max_size: no text, and no run.
  CHECK(extract(*x, "application/x-test", std::string(1001, 'a'), 100) == std::optional<std::string>(""));
  CHECK(read_file(dir.path() + "/runs") == "run\nrun\n");
  // The spool files are gone.
  CHECK(std::filesystem::is_empty(dir.path() + "/spool"));
  // The signature names the table and the limits.
  AttachmentConfig other = config;
  other.max_text = config.max_text + 1;
  CHECK(AttachmentExtractor::create(other, dir.path() + "/spool")->signature() != x->signature());
  CHECK(AttachmentExtractor::create(config, dir.path() + "/spool")->signature() == x->signature());
  // Disabled, or nothing installed: no extractor.
  config.enabled = false;
  CHECK(AttachmentExtractor::create(config, dir.path() + "/spool") == nullptr);
  config.enabled = true;
  config.extractors = {{"application/x-test", {"no-such-extractor-here", "%f"}}};
  CHECK(AttachmentExtractor::create(config, dir.path() + "/spool") == nullptr);
}

TEST_CASE("AttachmentExtractor: a refused document has no text; a timeout is a failure, not cached") {
  TempDir dir;
  AttachmentConfig config;
  config.enabled = true;
  config.timeout_ms = 300;
  config.extractors = {{"application/x-bad", {"sh", "-c", "exit 1", "%f"}},
                       {"application/x-slow", {"sh", "-c", "sleep 10", "%f"}}};
  auto x = AttachmentExtractor::create(config, dir.path() + "/spool");
  REQUIRE(x != nullptr);
  CHECK(extract(*x, "application/x-bad", "whatever") == std::optional<std::string>(""));
  CHECK(extract(*x, "application/x-slow", "whatever") == std::nullopt);
}

TEST_CASE("the built-in table reads a PDF with Debian's pdftotext (poppler-utils, installed by tools/dev.sh test)") {
  TempDir dir;
  AttachmentConfig config;
  config.enabled = true;
  auto x = AttachmentExtractor::create(config, dir.path() + "/spool");
  REQUIRE_MESSAGE(x != nullptr, "no extractor of the built-in table is installed");
  REQUIRE_MESSAGE(!find_program("pdftotext").empty(), "pdftotext (poppler-utils) is missing");
  auto text = extract(*x, "application/pdf", make_pdf("Quarterly zebrafish report"), 97);
  REQUIRE(text);
  CHECK(text->find("Quarterly zebrafish report") != std::string::npos);
  // By file name when the type says nothing.
  auto job = x->begin("application/octet-stream", "Report.PDF");
  REQUIRE(job != nullptr);
  // Not a PDF at all: pdftotext refuses it, so it has no text.
  CHECK(extract(*x, "application/pdf", "this is no pdf") == std::optional<std::string>(""));
}

}  // namespace search_attachments_test

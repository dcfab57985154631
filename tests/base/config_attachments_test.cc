// [search.attachments] (docs/search.md, "Attachments"): off by default,
// every key read, the extractor table checked, unusable values refused.
#include <doctest/doctest.h>

#include "base/config.h"

namespace base_config_attachments_test {

using loft::Config;

TEST_CASE("[search.attachments] is off by default, reads every key and its extractor table") {
  auto d = Config::parse("data_dir = \"d\"\n", "t.toml");
  REQUIRE(d);
  CHECK_FALSE(d->attachments.enabled);
  CHECK(d->attachments.extractors.empty());  // the built-in table
  auto c = Config::parse(
      "data_dir = \"d\"\n[search]\nindex = true\n[search.attachments]\nenabled = true\ntimeout_ms = 500\n"
      "max_size = 1000\nmax_text = 10\nprocesses = 3\ncache_bytes = 0\n"
      "[search.attachments.extractors]\n\"Application/PDF\" = [\"pdftotext\", \"%f\", \"-\"]\n",
      "t.toml");
  REQUIRE(c);
  CHECK(c->attachments.enabled);
  CHECK(c->attachments.timeout_ms == 500);
  CHECK(c->attachments.max_size == 1000);
  CHECK(c->attachments.max_text == 10);
  CHECK(c->attachments.processes == 3);
  CHECK(c->attachments.cache_bytes == 0);
  REQUIRE(c->attachments.extractors.size() == 1);
  CHECK(c->attachments.extractors[0].first == "application/pdf");  // types compare in lower case
  CHECK(c->attachments.extractors[0].second == std::vector<std::string>{"pdftotext", "%f", "-"});
  const char* bad[] = {
      "[search.attachments]\nenabeld = true\n",                              // typo
      "[search.attachments]\ntimeout_ms = 10\n",                             // too short to work
      "[search.attachments]\nprocesses = 0\n",
      "[search.attachments]\nmax_text = 0\n",
      "[search]\nattachments = true\n",                                      // not a table
      "[search.attachments.extractors]\n\"application/pdf\" = [\"pdftotext\", \"-\"]\n",  // no %f
      "[search.attachments.extractors]\n\"application/pdf\" = []\n",
      "[search.attachments.extractors]\n\"pdf\" = [\"pdftotext\", \"%f\"]\n",           // not type/subtype
      "[search.attachments.extractors]\n\"application/pdf\" = \"pdftotext %f\"\n",      // not an array
      "[search.attachments.extractors]\n\"application/pdf\" = [\"pdftotext\", 3, \"%f\"]\n",
  };
  for (const char* b : bad) CHECK_MESSAGE(!Config::parse(std::string("data_dir = \"d\"\n") + b, "t.toml"), b);
}

}  // namespace base_config_attachments_test

// [metadata] (RFC 5464 annotation bounds and /shared/admin): defaults, values
// read, and bounds that could not work refused.
#include <doctest/doctest.h>

#include "base/config.h"

namespace base_config_metadata_test {

using loft::Config;

TEST_CASE("[metadata] has working defaults, reads every key and refuses unusable bounds") {
  auto d = Config::parse("data_dir = \"d\"\n", "t.toml");
  REQUIRE(d);
  CHECK(d->metadata.max_value_size == 64 * 1024);
  CHECK(d->metadata.max_entries == 1000);
  CHECK(d->metadata.max_total_size == 1 << 20);
  CHECK(d->metadata.admin.empty());
  auto c = Config::parse("data_dir = \"d\"\n[metadata]\nmax_value_size = 10\nmax_entries = 2\n"
                         "max_total_size = 50\nadmin = \"mailto:pm@example.org\"\n", "t.toml");
  REQUIRE(c);
  CHECK(c->metadata.max_value_size == 10);
  CHECK(c->metadata.max_entries == 2);
  CHECK(c->metadata.max_total_size == 50);
  CHECK(c->metadata.admin == "mailto:pm@example.org");
  CHECK(!Config::parse("data_dir = \"d\"\n[metadata]\nmax_entries = 0\n", "t.toml"));
  CHECK(!Config::parse("data_dir = \"d\"\n[metadata]\nmax_value_size = 0\n", "t.toml"));
  CHECK(!Config::parse("data_dir = \"d\"\n[metadata]\nmax_value_size = 100\nmax_total_size = 99\n", "t.toml"));
  CHECK(!Config::parse("data_dir = \"d\"\n[metadata]\nmax_entrys = 5\n", "t.toml"));
}

}  // namespace base_config_metadata_test

// The configuration keys of the event loops (`loops`) and of logging ([log],
// [log.levels]): defaults, values, and mistakes reported by name.
#include <doctest/doctest.h>

#include "base/config.h"

namespace base_config_loops_log_test {

using loft::Config;
using loft::LogLevel;

TEST_CASE("loops and [log] have working defaults and take values") {
  auto d = Config::parse("data_dir = \"d\"\n", "t.toml");
  REQUIRE(d.ok());
  CHECK(d->loops == 0);  // one per core
  CHECK(d->log_level == LogLevel::info);
  CHECK(d->log_levels.empty());
  CHECK(d->log_queue_lines == 16384);

  auto c = Config::parse(
      "data_dir = \"d\"\nlog_level = \"warn\"\nloops = 3\n[log]\nlevel = \"error\"\nqueue_lines = 64\n"
      "[log.levels]\nimap = \"debug\"\nlmtp = \"warn\"\n",
      "t.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->loops == 3);
  CHECK(c->log_level == LogLevel::error);  // [log] level wins over log_level
  CHECK(c->log_queue_lines == 64);
  REQUIRE(c->log_levels.size() == 2);
  CHECK(c->log_levels[0] == std::pair<std::string, LogLevel>{"imap", LogLevel::debug});
  CHECK(c->log_levels[1] == std::pair<std::string, LogLevel>{"lmtp", LogLevel::warn});
}

TEST_CASE("mistakes in loops and [log] name the key") {
  struct Case {
    const char* text;
    const char* mentions;
  };
  const Case cases[] = {
      {"data_dir = \"d\"\nloops = 1000\n", "loops"},
      {"data_dir = \"d\"\nloops = \"many\"\n", "loops"},
      {"data_dir = \"d\"\n[log]\nlevel = \"loud\"\n", "log.level"},
      {"data_dir = \"d\"\n[log]\nlevl = \"info\"\n", "levl"},
      {"data_dir = \"d\"\n[log]\nqueue_lines = 1\n", "queue_lines"},
      {"data_dir = \"d\"\n[log.levels]\nimap = \"chatty\"\n", "log.levels.imap"},
      {"data_dir = \"d\"\n[log.levels]\nImap = \"debug\"\n", "log.levels.Imap"},
      {"data_dir = \"d\"\nlog = 3\n", "[log]"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.text);
    auto c = Config::parse(k.text, "t.toml");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find(k.mentions) != std::string::npos);
  }
}

TEST_CASE("quota_admins lists the IMAP quota administrators, lower-cased") {
  auto none = Config::parse("data_dir = \"d\"\n", "t.toml");
  REQUIRE(none);
  CHECK(none->quota_admins.empty());
  auto c = Config::parse("data_dir = \"d\"\nquota_admins = [\"Boss\", \"ops\"]\n", "t.toml");
  REQUIRE(c);
  CHECK(c->quota_admins == std::vector<std::string>{"boss", "ops"});
  CHECK(!Config::parse("data_dir = \"d\"\nquota_admins = \"boss\"\n", "t.toml"));
}

TEST_CASE("[imap] imap4rev2 is the IMAP4rev2 switch, on by default") {
  auto none = Config::parse("data_dir = \"d\"\n", "t.toml");
  REQUIRE(none);
  CHECK(none->imap.imap4rev2);
  auto off = Config::parse("data_dir = \"d\"\n[imap]\nimap4rev2 = false\n", "t.toml");
  REQUIRE(off);
  CHECK(!off->imap.imap4rev2);
  auto on = Config::parse("data_dir = \"d\"\n[imap]\nimap4rev2 = true\n", "t.toml");
  REQUIRE(on);
  CHECK(on->imap.imap4rev2);
  CHECK(!Config::parse("data_dir = \"d\"\n[imap]\nimap4rev2 = \"yes\"\n", "t.toml"));
  CHECK(!Config::parse("data_dir = \"d\"\n[imap]\nrev3 = true\n", "t.toml"));
}

}  // namespace base_config_loops_log_test

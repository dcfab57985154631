#include <doctest/doctest.h>

#include "base/config.h"

namespace base_config_test {

using loft::Config;
using loft::Errc;
using loft::ListenerProtocol;
using loft::TlsMode;

TEST_CASE("the embedded default configuration file loads with its documented listeners") {
  auto c = Config::load(LOFT_SOURCE_ROOT "/conf/loft.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->data_dir == "var/loft");
  // The README's swaks example delivers to demo@example.org.
  CHECK(c->local_domains.front() == "example.org");
  CHECK(c->storage_sync);
  REQUIRE(c->find_listener(ListenerProtocol::imap));
  CHECK(c->find_listener(ListenerProtocol::imap)->tls == TlsMode::starttls);
  CHECK(c->find_listener(ListenerProtocol::imap)->port == 1143);
  REQUIRE(c->find_listener(ListenerProtocol::admin));
  CHECK(c->find_listener(ListenerProtocol::admin)->is_unix);
  CHECK(c->find_listener(ListenerProtocol::admin)->unix_path == "var/loft/admin.sock");
  CHECK(c->cert_path() == "var/loft/tls/selfsigned.crt");
  CHECK(c->imap.imap4rev2);  // RFC 9051 offered, as by the built-in default
}

TEST_CASE("the production sample configuration file loads") {
  auto c = Config::load(LOFT_SOURCE_ROOT "/conf/loft-production.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK(c->storage_sync);
  bool imaps = false;
  for (const auto& l : c->listeners) imaps |= l.protocol == ListenerProtocol::imap && l.port == 993 && l.tls == TlsMode::implicit;
  CHECK(imaps);
}

TEST_CASE("a minimal configuration gets safe defaults") {
  auto c = Config::parse("data_dir = \"/tmp/x\"\n", "t.toml");
  REQUIRE(c.ok());
  CHECK(c->storage_sync);
  CHECK(c->limits.max_line == 64 * 1024);
  CHECK(c->limits.idle_timeout_seconds >= 1800);
  // Before login: small lines and literals, a short login timeout.
  CHECK(c->limits.preauth_max_line == 8192);
  CHECK(c->limits.preauth_max_literal == 8192);
  CHECK(c->limits.login_timeout_seconds == 60);
  CHECK(c->limits.stall_timeout_seconds == 60);
  CHECK(c->limits.max_connections_per_address == 512);
  CHECK(c->limits.mailbox_cache_mb == 32);
  CHECK(c->auth.failure_delay_ms == 1000);
  CHECK(c->auth.lockout_failures == 20);
  CHECK(c->auth.hash_concurrency == 0);
  CHECK(c->listeners.empty());
  CHECK(c->store_path() == "/tmp/x/store");
}

TEST_CASE("listener addresses parse as host:port, [v6]:port and unix:path") {
  auto c = Config::parse(R"(
data_dir = "d"
local_domains = ["Example.ORG"]
[[listener]]
protocol = "imap"
address = "[::1]:0"
tls = "implicit"
[[listener]]
protocol = "lmtp"
address = "unix:/run/loft/lmtp.sock"
[[listener]]
protocol = "pop3"
address = "0.0.0.0:995"
tls = "implicit"
allow_plaintext_auth = true
)",
                         "t.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  REQUIRE(c->listeners.size() == 3);
  CHECK(c->listeners[0].host == "::1");
  CHECK(c->listeners[0].port == 0);
  CHECK(c->listeners[1].is_unix);
  CHECK(c->listeners[1].unix_path == "/run/loft/lmtp.sock");
  CHECK(c->listeners[2].port == 995);
  CHECK(c->listeners[2].allow_plaintext_auth);
  CHECK(c->local_domains == std::vector<std::string>{"example.org"});
}

TEST_CASE("configuration mistakes are errors that name the key, never silent defaults") {
  struct Case {
    const char* text;
    const char* mentions;
  };
  const Case cases[] = {
      {"data_dir = \"d\"\ndata_dri = \"x\"\n", "data_dri"},
      {"data_dir = 5\n", "data_dir"},
      {"data_dir = \"d\"\nlog_level = \"loud\"\n", "log_level"},
      {"data_dir = \"d\"\n[limits]\nmax_line = 10\n", "too small"},
      {"data_dir = \"d\"\n[limits]\nmax_lines = 100000\n", "max_lines"},
      {"data_dir = \"d\"\n[tls]\ncert = \"c.pem\"\n", "go together"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"smtp\"\naddress = \"127.0.0.1:25\"\n", "protocol"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1\"\n", "address"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:99999\"\n", "port"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:1\"\ntls = \"yes\"\n", "tls"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"admin\"\naddress = \"127.0.0.1:1\"\n", "unix"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"imap\"\naddress = \"unix:/x\"\n", "unix"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"lmtp\"\naddress = \"127.0.0.1:1\"\ntls = \"implicit\"\n", "TLS"},
      {"data_dir = \"d\"\n[[listener]]\nprotocol = \"imap\"\naddress = \"127.0.0.1:1\"\nport = 3\n", "port"},
      {"data_dir = \"d\"\nworker_threads = 0\n", "worker_threads"},
      {"data_dir = \"d\"\n[limits]\npreauth_max_line = 100\n", "preauth_max_line"},
      {"data_dir = \"d\"\n[limits]\nlogin_timeout_seconds = 0\n", "timeouts"},
      {"data_dir = \"d\"\n[limits]\nmax_connections_per_address = 0\n", "too small"},
      {"data_dir = \"d\"\n[limits]\nmailbox_cache_mb = 70000\n", "mailbox_cache_mb"},
      {"data_dir = \"d\"\n[auth]\nfailure_delay_ms = 10\nfailure_delay_max_ms = 5\n", "failure_delay_max_ms"},
      {"data_dir = \"d\"\n[auth]\nlockout = 3\n", "lockout"},
      {"data_dir = \"d\"\nauth = 3\n", "[auth]"},
      {"data_dir = \"d\"\n[[listener\n", "t.toml:"},
      {"data_dir = \"\"\n", "data_dir"},
  };
  for (const auto& k : cases) {
    CAPTURE(k.text);
    auto c = Config::parse(k.text, "t.toml");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == Errc::bad_input);
    CHECK_MESSAGE(c.error().message.find(k.mentions) != std::string::npos, c.error().message);
  }
}

TEST_CASE("a missing configuration file is reported as not found") {
  auto c = Config::load("/nonexistent/loft.toml");
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().code == Errc::not_found);
}

TEST_CASE("[lmtp] and unix socket modes: defaults, values, and every mistake refused") {
  auto d = Config::parse("data_dir = \"/tmp/x\"\n", "t.toml");
  REQUIRE(d.ok());
  CHECK(d->lmtp.trace_headers);
  CHECK(d->lmtp.detail_separators == "+");
  CHECK(d->lmtp.aliases.empty());
  auto c = Config::parse(
      "data_dir = \"/tmp/x\"\n[lmtp]\ntrace_headers = false\ndetail_separators = \"+-\"\naliases = \"/etc/a\"\n"
      "[[listener]]\nprotocol = \"lmtp\"\naddress = \"unix:/tmp/l.sock\"\nsocket_mode = \"0660\"\n"
      "socket_group = \"postfix\"\n",
      "t.toml");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
  CHECK_FALSE(c->lmtp.trace_headers);
  CHECK(c->lmtp.detail_separators == "+-");
  CHECK(c->lmtp.aliases == "/etc/a");
  CHECK(c->listeners[0].socket_mode == 0660);
  CHECK(c->listeners[0].socket_group == "postfix");
  for (const char* bad : {
           "[lmtp]\nunknown = 1\n",
           "[lmtp]\ndetail_separators = \"@\"\n",
           "lmtp = 3\n",
           "[[listener]]\nprotocol = \"lmtp\"\naddress = \"unix:/tmp/l\"\nsocket_mode = \"0999\"\n",
           "[[listener]]\nprotocol = \"lmtp\"\naddress = \"unix:/tmp/l\"\nsocket_mode = \"01777\"\n",
           "[[listener]]\nprotocol = \"lmtp\"\naddress = \"127.0.0.1:24\"\nsocket_mode = \"0660\"\n",
       }) {
    auto r = Config::parse(std::string("data_dir = \"/tmp/x\"\n") + bad, "t.toml");
    CHECK_MESSAGE(!r.ok(), bad);
  }
}

}  // namespace base_config_test

// mixed_load: the C++ load generator of tools/bench/imap_mixed.py (--generator cpp):
// runs its clients' session loop for many accounts at once on one thread (epoll,
// non-blocking OpenSSL) and prints the JSON object its Python worker() would queue.
#include <netdb.h>
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "client.h"
#include "stats.h"

namespace {

using mixed_load::Client;
using mixed_load::ClientConfig;
using mixed_load::Clock;
using mixed_load::Stats;

constexpr const char* kUsage =
    "usage: mixed_load --address HOST:PORT --users U1,U2,... --password P --seconds S --seed N\n"
    "                  --append-file PATH [--timeout SECONDS (60)]\n";

struct Args {
  std::string address;  // HOST:PORT or [V6]:PORT
  std::vector<std::string> users;
  std::string password;
  double seconds = -1;
  uint64_t seed = 0;
  std::string append_file;
  double timeout_seconds = 60;
};

std::optional<double> parse_seconds(const std::string& text) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(value) || value < 0) return std::nullopt;
  return value;
}

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin <= list.size()) {
    size_t comma = list.find(',', begin);
    if (comma == std::string::npos) comma = list.size();
    if (comma > begin) items.push_back(list.substr(begin, comma - begin));
    begin = comma + 1;
  }
  return items;
}

std::optional<Args> parse_args(int argc, char** argv, std::string& error) {
  Args args;
  bool have_password = false, have_seed = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string option = argv[i];
    if (i + 1 >= argc) {
      error = option + " needs a value";
      return std::nullopt;
    }
    const std::string value = argv[i + 1];
    if (option == "--address") {
      args.address = value;
    } else if (option == "--users") {
      args.users = split_list(value);
    } else if (option == "--password") {
      args.password = value;
      have_password = true;
    } else if (option == "--seconds" || option == "--timeout") {
      const std::optional<double> seconds = parse_seconds(value);
      if (!seconds) {
        error = option + ": not a number of seconds: " + value;
        return std::nullopt;
      }
      (option == "--seconds" ? args.seconds : args.timeout_seconds) = *seconds;
    } else if (option == "--seed") {
      char* end = nullptr;
      errno = 0;
      args.seed = std::strtoull(value.c_str(), &end, 10);
      have_seed = !value.empty() && *end == '\0' && errno == 0;
      if (!have_seed) {
        error = "--seed: not a number: " + value;
        return std::nullopt;
      }
    } else if (option == "--append-file") {
      args.append_file = value;
    } else {
      error = "unknown option " + option;
      return std::nullopt;
    }
  }
  if (args.address.empty() || args.users.empty() || !have_password || args.seconds < 0 || !have_seed ||
      args.append_file.empty()) {
    error = "--address, --users, --password, --seconds, --seed and --append-file are required";
    return std::nullopt;
  }
  if (args.timeout_seconds <= 0) {
    error = "--timeout must be above 0";
    return std::nullopt;
  }
  return args;
}

// HOST:PORT as loftlib.split_hostport reads it (the host may be in brackets).
bool resolve(const std::string& address, ClientConfig& config, std::string& error) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    error = "--address: no port in " + address;
    return false;
  }
  std::string host = address.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const int result = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
  if (result != 0 || found == nullptr) {
    error = "--address " + address + ": " + ::gai_strerror(result);
    return false;
  }
  std::memcpy(&config.address, found->ai_addr, found->ai_addrlen);
  config.address_length = found->ai_addrlen;
  ::freeaddrinfo(found);
  return true;
}

bool read_file(const std::string& path, std::string& contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// No certificate verification: the benchmark's servers listen on loopback with
// self-signed certificates (loftlib.client_tls_context does the same).
SSL_CTX* make_tls_context() {
  SSL_CTX* tls = SSL_CTX_new(TLS_client_method());
  if (tls == nullptr) return nullptr;
  SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
  SSL_CTX_set_mode(tls, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // several records per recv(): fewer system calls for the 120 KB bodies
  SSL_CTX_set_read_ahead(tls, 1);
  SSL_CTX_set_default_read_buffer_len(tls, 64 * 1024);
  // a full handshake per session, as the Python client (no session= given) does
  SSL_CTX_set_session_cache_mode(tls, SSL_SESS_CACHE_OFF);
  return tls;
}

void run_clients(std::vector<std::unique_ptr<Client>>& clients, int epoll_fd, Stats& stats) {
  constexpr int kMaxEvents = 256;
  constexpr auto kTimeoutCheckInterval = std::chrono::milliseconds(100);
  epoll_event events[kMaxEvents];
  Clock::time_point next_timeout_check = Clock::now() + kTimeoutCheckInterval;
  for (;;) {
    bool all_finished = true;
    for (const auto& client : clients) all_finished = all_finished && client->finished();
    if (all_finished) return;
    const int ready = ::epoll_wait(epoll_fd, events, kMaxEvents, 100);
    if (ready < 0 && errno != EINTR) {
      stats.add_fatal(std::string("OSError: epoll_wait: ") + std::strerror(errno));
      return;
    }
    for (int i = 0; i < ready; ++i) {
      const uint64_t key = events[i].data.u64;
      clients[key >> 32]->on_event(static_cast<uint32_t>(key));
    }
    const Clock::time_point now = Clock::now();
    if (now >= next_timeout_check) {
      for (const auto& client : clients) client->check_timeout(now);
      next_timeout_check = now + kTimeoutCheckInterval;
    }
  }
}

// Runs every client to the deadline; what fails on the way is in stats.fatal.
void run(const Args& args, ClientConfig& config, Stats& stats) {
  config.tls = make_tls_context();
  config.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (config.tls == nullptr || config.epoll_fd < 0) {
    stats.add_fatal("OSError: cannot create the TLS context or the epoll set");
  } else {
    config.deadline =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args.seconds));
    std::vector<std::unique_ptr<Client>> clients;
    for (size_t i = 0; i < args.users.size(); ++i)
      clients.push_back(std::make_unique<Client>(config, stats, static_cast<uint32_t>(i), args.users[i],
                                                 args.seed * 1000 + i));  // imap_mixed.py's seeds
    for (const auto& client : clients) client->start();
    run_clients(clients, config.epoll_fd, stats);
  }
  if (config.epoll_fd >= 0) ::close(config.epoll_fd);
  SSL_CTX_free(config.tls);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string error;
    const std::optional<Args> args = parse_args(argc, argv, error);
    ClientConfig config;
    if (args && resolve(args->address, config, error) && !read_file(args->append_file, config.append_message))
      error = "--append-file: cannot read " + args->append_file;
    if (!args || !error.empty()) {
      std::fprintf(stderr, "mixed_load: %s\n%s", error.c_str(), kUsage);
      return 2;
    }
    config.password = args->password;
    config.timeout =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(args->timeout_seconds));
    ::signal(SIGPIPE, SIG_IGN);  // a write to a connection the server closed is an error, not a signal
    Stats stats;
    run(*args, config, stats);
    const std::string json = stats.to_json();
    std::fwrite(json.data(), 1, json.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mixed_load: %s\n", e.what());
    return 1;
  } catch (...) {
    std::fprintf(stderr, "mixed_load: unknown exception\n");
    return 1;
  }
}

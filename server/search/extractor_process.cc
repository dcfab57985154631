// Running one external extractor (see extractor_process.h).
#include "server/search/extractor_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <thread>

namespace loft::server::search {

namespace {

using Clock = std::chrono::steady_clock;

constexpr rlim_t kAddressSpace = rlim_t{1} << 30;  // 1 GiB: a large PDF, not a runaway one

// A file descriptor closed when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Kills the process group and reaps the child.
void kill_and_reap(pid_t pid) {
  kill(-pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

std::string find_program(const std::string& name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? name : std::string();
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr && *path != '\0' ? path : "/usr/local/bin:/usr/bin:/bin";
  for (size_t pos = 0; pos <= dirs.size();) {
    size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(pos, end - pos);
    std::string full = (dir.empty() ? "." : dir) + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return full;
    pos = end + 1;
  }
  return {};
}

Result<std::string> run_extractor(const std::vector<std::string>& argv, const std::string& path, size_t max_text,
                                  std::chrono::milliseconds timeout) {
  if (argv.empty()) return make_error(Errc::bad_input, "extractor: empty command");
  const std::string program = find_program(argv[0]);
  if (program.empty()) return make_error(Errc::bad_input, "extractor: " + argv[0] + " not found");
  std::vector<std::string> args;
  for (const std::string& a : argv) args.push_back(a == "%f" ? path : a);
  std::vector<char*> cargv;
  for (std::string& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // A fixed environment: nothing of loftd's own leaks to the program.
  char env_path[] = "PATH=/usr/local/bin:/usr/bin:/bin", env_lang[] = "LANG=C.UTF-8", env_home[] = "HOME=/nonexistent";
  char* envp[] = {env_path, env_lang, env_home, nullptr};

  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return make_error(Errc::temp, "extractor: pipe failed");
  Fd out{pipefd[0]}, out_w{pipefd[1]};
  Fd null{open("/dev/null", O_RDWR | O_CLOEXEC)};
  if (null.fd < 0) return make_error(Errc::temp, "extractor: /dev/null unavailable");

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, null.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, null.fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // loftd ignores it; an extractor must not
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group: a timeout kills its children too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, program.c_str(), &actions, &attr, cargv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return make_error(Errc::bad_input, "extractor: cannot run " + program);
  close(out_w.fd);
  out_w.fd = -1;
  // Limits right after the start (posix_spawn has no rlimit attribute).
  const rlim_t cpu = static_cast<rlim_t>(timeout.count() / 1000 + 1);
  const struct rlimit as{kAddressSpace, kAddressSpace}, cpu_limit{cpu, cpu}, core{0, 0};
  prlimit(pid, RLIMIT_AS, &as, nullptr);
  prlimit(pid, RLIMIT_CPU, &cpu_limit, nullptr);
  prlimit(pid, RLIMIT_CORE, &core, nullptr);

  const auto deadline = Clock::now() + timeout;
  std::string text;
  char buf[16384];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      kill_and_reap(pid);
      return make_error(Errc::temp, "extractor: " + argv[0] + " timed out");
    }
    struct pollfd p{out.fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // timeout: checked above
    ssize_t got = read(out.fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF (or an error): the program closed its output
    size_t keep = std::min(static_cast<size_t>(got), max_text - std::min(max_text, text.size()));
    text.append(buf, keep);
  }
  // Output closed: wait for the exit, still within the deadline.
  int status = 0;
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return make_error(Errc::temp, "extractor: lost its process");
    if (Clock::now() >= deadline) {
      kill_and_reap(pid);
      return make_error(Errc::temp, "extractor: " + argv[0] + " timed out");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(-pid, SIGKILL);  // children it left behind
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return make_error(Errc::bad_input, "extractor: " + argv[0] + (WIFEXITED(status) ? " failed" : " crashed"));
  return text;
}

}  // namespace loft::server::search

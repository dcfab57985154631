#include "tools/loftctl/loftctl.h"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace loft::tools {

namespace {

// The terminal state to restore, also from a signal handler (Ctrl-C at the
// prompt must not leave the terminal without echo).
struct termios g_saved;
volatile std::sig_atomic_t g_echo_off = 0;

void restore_and_reraise(int sig) {
  if (g_echo_off) tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

// Reads one line with echo off; false at end of input.
bool read_hidden(const char* prompt, std::string* out) {
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  if (tcgetattr(STDIN_FILENO, &g_saved) != 0) return static_cast<bool>(std::getline(std::cin, *out));
  struct termios quiet = g_saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // the user still sees that Enter was taken
  for (int sig : kSignals) std::signal(sig, restore_and_reraise);
  g_echo_off = 1;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  bool ok = static_cast<bool>(std::getline(std::cin, *out));
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved);
  g_echo_off = 0;
  for (int sig : kSignals) std::signal(sig, SIG_DFL);
  return ok;
}

}  // namespace

Result<std::string> read_new_password(const std::string& account) {
  std::string first;
  if (!isatty(STDIN_FILENO)) {
    if (!std::getline(std::cin, first) && first.empty())
      return make_error(Errc::bad_input, "no password on standard input");
    if (!first.empty() && first.back() == '\r') first.pop_back();
    return first;
  }
  std::string second;
  if (!read_hidden(("New password for " + account + ": ").c_str(), &first) ||
      !read_hidden("Repeat the password: ", &second))
    return make_error(Errc::bad_input, "no password entered");
  if (first != second) return make_error(Errc::bad_input, "the two passwords differ");
  return first;
}

}  // namespace loft::tools

// Leveled logging to stderr, one line per call, safe from any thread.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace loft {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

// Sets the minimum level written; lines below it cost one comparison.
void set_log_level(LogLevel level);
LogLevel log_level();
// Parses "debug" | "info" | "warn" | "error"; false for anything else.
bool parse_log_level(std::string_view text, LogLevel* out);
// Writes "<time> <level> <message>\n" to stderr atomically.
void write_log_line(LogLevel level, const std::string& message);

template <class... Args>
void log(LogLevel level, const Args&... args) {
  if (level < log_level()) return;
  std::ostringstream out;
  (out << ... << args);
  write_log_line(level, out.str());
}
template <class... Args> void log_debug(const Args&... a) { log(LogLevel::debug, a...); }
template <class... Args> void log_info(const Args&... a) { log(LogLevel::info, a...); }
template <class... Args> void log_warn(const Args&... a) { log(LogLevel::warn, a...); }
template <class... Args> void log_error(const Args&... a) { log(LogLevel::error, a...); }

}  // namespace loft

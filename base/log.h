// Leveled, structured logging: one event per line in key=value form
//   time=2026-11-27T11:03:58.123Z level=info component=imap session=7
//   remote=127.0.0.1:50312 user=alice event=login result=ok
// (values with spaces, quotes or '=' are quoted). Safe from any thread. Once
// start_log_thread() ran, lines go through a bounded queue to one writer
// thread: a caller never waits on stderr, and a full queue drops the line
// and counts it. Levels are per component ([log.levels] in the config).
#pragma once

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>

namespace loft {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3 };

// The level of components without their own; lines below it cost one comparison.
void set_log_level(LogLevel level);
LogLevel log_level();
// Gives one component its own level. Call before other threads log.
void set_component_log_level(std::string_view component, LogLevel level);
// Whether a line of this level and component is written.
bool log_enabled(LogLevel level, std::string_view component);
// Parses "debug" | "info" | "warn" | "error"; false for anything else.
bool parse_log_level(std::string_view text, LogLevel* out);
// The name parse_log_level accepts for a level ("debug" ... "error").
std::string_view log_level_name(LogLevel level);

// Appends ` key=value` to *line, quoting and escaping value when needed.
void append_log_field(std::string* line, std::string_view key, std::string_view value);
// Hands a finished line (without time and newline) to the sink.
void write_log_record(LogLevel level, std::string_view body);
// The legacy form: a free-text message of component "loftd".
void write_log_line(LogLevel level, const std::string& message);

// Moves writing to one background thread with a queue of `capacity` lines.
void start_log_thread(size_t capacity = 16384);
// Writes every queued line (and the count of dropped ones), stops the thread.
void stop_log_thread();
// Lines dropped because the queue was full, since start.
uint64_t log_dropped_count();

// One structured event, written when it goes out of scope:
//   LogEvent(LogLevel::info, "imap", "login").session(id).remote(peer).user(u).field("result", "ok");
class LogEvent {
 public:
  LogEvent(LogLevel level, std::string_view component, std::string_view event);
  ~LogEvent();
  LogEvent(const LogEvent&) = delete;
  LogEvent& operator=(const LogEvent&) = delete;

  bool enabled() const { return enabled_; }
  // Who the event is about; written before the event name, whatever the call order.
  LogEvent& session(uint64_t id) { return add(&context_, "session", id); }
  LogEvent& remote(std::string_view address) { return add(&context_, "remote", address); }
  LogEvent& user(std::string_view name) { return add(&context_, "user", name); }
  // A free field, written after the event name in call order.
  template <class T>
  LogEvent& field(std::string_view key, const T& value) { return add(&fields_, key, value); }

 private:
  template <class T>
  LogEvent& add(std::string* to, std::string_view key, const T& value) {
    if (!enabled_) return *this;
    if constexpr (std::is_convertible_v<const T&, std::string_view>) {
      append_log_field(to, key, std::string_view(value));
    } else {
      std::ostringstream out;
      out << value;
      append_log_field(to, key, out.str());
    }
    return *this;
  }
  LogLevel level_;
  bool enabled_;
  std::string component_, event_, context_, fields_;
};

// The component of lines written through log()/log_info() and friends.
inline constexpr std::string_view kDefaultLogComponent = "loftd";

template <class... Args>
void log(LogLevel level, const Args&... args) {
  if (!log_enabled(level, kDefaultLogComponent)) return;
  std::ostringstream out;
  (out << ... << args);
  write_log_line(level, out.str());
}
template <class... Args> void log_debug(const Args&... a) { log(LogLevel::debug, a...); }
template <class... Args> void log_info(const Args&... a) { log(LogLevel::info, a...); }
template <class... Args> void log_warn(const Args&... a) { log(LogLevel::warn, a...); }
template <class... Args> void log_error(const Args&... a) { log(LogLevel::error, a...); }

}  // namespace loft

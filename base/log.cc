#include "base/log.h"

#include <atomic>
#include <string>
#include <vector>

namespace loft {

namespace {
constexpr const char* kLevelNames[] = {"debug", "info", "warn", "error"};
std::atomic<int> g_default{static_cast<int>(LogLevel::info)};
// The lowest level of any component: most lines are rejected by this alone.
std::atomic<int> g_min{static_cast<int>(LogLevel::info)};
// Per-component levels; written only before other threads log.
std::vector<std::pair<std::string, int>>& component_levels() {
  static std::vector<std::pair<std::string, int>> levels;
  return levels;
}

void update_min() {
  int m = g_default.load();
  for (const auto& [name, level] : component_levels()) m = std::min(m, level);
  g_min.store(m);
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char ch : v)
    if (ch <= ' ' || ch == '"' || ch == '=' || ch == '\\' || ch >= 0x7f) return true;
  return false;
}
}  // namespace

void set_log_level(LogLevel level) {
  g_default.store(static_cast<int>(level));
  update_min();
}

LogLevel log_level() { return static_cast<LogLevel>(g_default.load(std::memory_order_relaxed)); }

void set_component_log_level(std::string_view component, LogLevel level) {
  auto& levels = component_levels();
  for (auto& [name, l] : levels) {
    if (name == component) {
      l = static_cast<int>(level);
      update_min();
      return;
    }
  }
  levels.emplace_back(std::string(component), static_cast<int>(level));
  update_min();
}

bool log_enabled(LogLevel level, std::string_view component) {
  int l = static_cast<int>(level);
  if (l < g_min.load(std::memory_order_relaxed)) return false;
  for (const auto& [name, own] : component_levels())
    if (name == component) return l >= own;
  return l >= g_default.load(std::memory_order_relaxed);
}

std::string_view log_level_name(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

bool parse_log_level(std::string_view text, LogLevel* out) {
  for (int i = 0; i < 4; ++i) {
    if (text == kLevelNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

void append_log_field(std::string* line, std::string_view key, std::string_view value) {
  if (!line->empty()) line->push_back(' ');
  line->append(key);
  line->push_back('=');
  if (!needs_quotes(value)) {
    line->append(value);
    return;
  }
  // Quoted: one line per event whatever the value holds (a client's bytes).
  static constexpr char kHex[] = "0123456789abcdef";
  line->push_back('"');
  for (unsigned char ch : value) {
    if (ch == '"' || ch == '\\') {
      line->push_back('\\');
      line->push_back(static_cast<char>(ch));
    } else if (ch == '\n') {
      line->append("\\n");
    } else if (ch == '\r') {
      line->append("\\r");
    } else if (ch == '\t') {
      line->append("\\t");
    } else if (ch < 0x20 || ch == 0x7f) {
      line->append("\\x");
      line->push_back(kHex[ch >> 4]);
      line->push_back(kHex[ch & 15]);
    } else {
      line->push_back(static_cast<char>(ch));  // UTF-8 passes through
    }
  }
  line->push_back('"');
}

void write_log_line(LogLevel level, const std::string& message) {
  std::string body;
  append_log_field(&body, "component", kDefaultLogComponent);
  append_log_field(&body, "msg", message);
  write_log_record(level, body);
}

LogEvent::LogEvent(LogLevel level, std::string_view component, std::string_view event)
    : level_(level), enabled_(log_enabled(level, component)) {
  if (!enabled_) return;
  component_ = component;
  event_ = event;
}

LogEvent::~LogEvent() {
  if (!enabled_) return;
  std::string line;
  line.reserve(32 + component_.size() + event_.size() + context_.size() + fields_.size());
  append_log_field(&line, "component", component_);
  if (!context_.empty()) line.append(" ").append(context_);
  append_log_field(&line, "event", event_);
  if (!fields_.empty()) line.append(" ").append(fields_);
  write_log_record(level_, line);
}

}  // namespace loft

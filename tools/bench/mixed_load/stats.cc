// mixed_load: Stats and its JSON output (strings escaped so any server text in a
// fatal message still gives valid JSON).
#include "stats.h"

#include <charconv>
#include <cstdio>

namespace mixed_load {

namespace {

// Bytes >= 0x80 are written as \u00XX: a server's reply text need not be UTF-8.
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte >= 0x80) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

void append_json_number(std::string& out, double value) {
  char digits[32];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);  // shortest round-trip form
  out.append(digits, result.ptr);
}

}  // namespace

void Stats::add(std::string_view name, std::string_view status, double seconds) {
  if (status == "OK") {
    auto it = latencies.find(name);
    if (it == latencies.end()) it = latencies.emplace(std::string(name), std::vector<double>{}).first;
    it->second.push_back(seconds);
  } else {
    ++refused[std::string(name) + " " + std::string(status)];
  }
}

void Stats::add_fatal(std::string message) {
  if (fatal.size() < kMaxFatal) fatal.push_back(std::move(message));
}

std::string Stats::to_json() const {
  std::string out = "{\"lat\": {";
  const char* separator = "";
  for (const auto& [name, seconds] : latencies) {
    out += separator;
    append_json_string(out, name);
    out += ": [";
    for (size_t i = 0; i < seconds.size(); ++i) {
      if (i) out += ", ";
      append_json_number(out, seconds[i]);
    }
    out += ']';
    separator = ", ";
  }
  out += "}, \"refused\": {";
  separator = "";
  for (const auto& [key, count] : refused) {
    out += separator;
    append_json_string(out, key);
    out += ": " + std::to_string(count);
    separator = ", ";
  }
  out += "}, \"fatal\": [";
  separator = "";
  for (const std::string& message : fatal) {
    out += separator;
    append_json_string(out, message);
    separator = ", ";
  }
  out += "]}\n";
  return out;
}

}  // namespace mixed_load

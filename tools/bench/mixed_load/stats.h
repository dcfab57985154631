// mixed_load: what the clients of one process record (imap_mixed.py's Stats) and
// its JSON form, the dict worker() puts on its queue.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace mixed_load {

struct Stats {
  static constexpr size_t kMaxFatal = 20;  // worker() keeps st.fatal[:20]

  std::map<std::string, std::vector<double>, std::less<>> latencies;  // command -> seconds, OK replies
  std::map<std::string, uint64_t, std::less<>> refused;               // "COMMAND STATUS" -> count
  std::vector<std::string> fatal;

  // A tagged reply of command `name`: its latency when OK, else counted as refused.
  void add(std::string_view name, std::string_view status, double seconds);
  void add_fatal(std::string message);

  // {"lat": {...}, "refused": {...}, "fatal": [...]}
  std::string to_json() const;
};

}  // namespace mixed_load

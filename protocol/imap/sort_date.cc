// RFC 5322 §3.3 date-time to UTC seconds for the RFC 5256 §2.2 sent date.
// Lenient as mail in the wild needs: optional day name, comments,
// two- and three-digit years and named zones (RFC 5322 §4.3), seconds optional.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/civil_date.h"
#include "base/bytes.h"
#include "protocol/imap/sort.h"

namespace loft::proto::imap {
namespace {

// The value's tokens: runs of letters, digits, or a sign with digits;
// comments and other punctuation separate them (":" is kept for the time).
std::vector<std::string> tokens(std::string_view v) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (char c : v) {
    if (c == '(') { flush(); ++depth; continue; }
    if (c == ')') { if (depth > 0) --depth; continue; }
    if (depth > 0) continue;
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (c == ':') {  // its own token: obsolete times have CFWS around it (RFC 5322 §4.3)
      flush();
      out.emplace_back(":");
    } else if (alnum || ((c == '+' || c == '-') && cur.empty())) {
      cur.push_back(c);
    } else {
      flush();
    }
  }
  flush();
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int month_of(std::string_view s) { return month_from_abbrev(s); }

// RFC 5322 §3.3 zone and §4.3 obs-zone in minutes east of UTC; 0 if unknown.
int zone_minutes(std::string_view z) {
  if ((z[0] == '+' || z[0] == '-') && z.size() == 5 && all_digits(z.substr(1))) {
    int v = std::stoi(std::string(z.substr(1, 2))) * 60 + std::stoi(std::string(z.substr(3, 2)));
    return z[0] == '-' ? -v : v;
  }
  struct Named { std::string_view name; int hours; };
  static constexpr Named kZones[] = {{"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
                                     {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const Named& n : kZones) {
    if (iequals(z, n.name)) return n.hours * 60;
  }
  return 0;  // UT, GMT, military zones (§4.3: treated as -0000) and unknown ones
}

}  // namespace

std::optional<int64_t> parse_rfc5322_datetime(std::string_view value) {
  std::vector<std::string> t = tokens(value);
  size_t i = 0;
  if (i < t.size() && !all_digits(t[i]) && month_of(t[i]) == 0) ++i;  // day name
  if (i + 3 > t.size() || !all_digits(t[i]) || t[i].size() > 2) return std::nullopt;
  unsigned day = static_cast<unsigned>(std::stoi(t[i]));
  int month = month_of(t[i + 1]);
  if (month == 0 || !all_digits(t[i + 2]) || t[i + 2].size() > 4) return std::nullopt;
  int64_t year = std::stoi(t[i + 2]);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, others (and three digits) plus 1900.
  if (t[i + 2].size() == 2) year += year < 50 ? 2000 : 1900;
  else if (t[i + 2].size() == 3) year += 1900;
  i += 3;
  if (i >= t.size()) return std::nullopt;
  // time-of-day = hour ":" minute [":" second]
  int parts[3] = {0, 0, 0};
  size_t n = 0;
  while (n < 3 && i < t.size() && all_digits(t[i]) && t[i].size() <= 2) {
    parts[n++] = std::stoi(t[i++]);
    if (i < t.size() && t[i] == ":") {
      ++i;
    } else {
      break;
    }
  }
  if (n < 2 || parts[0] > 23 || parts[1] > 59 || parts[2] > 60) return std::nullopt;
  if (day < 1 || day > 31) return std::nullopt;
  int zone = i < t.size() ? zone_minutes(t[i]) : 0;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), day);
  return days * 86400 + parts[0] * 3600 + parts[1] * 60 + parts[2] - int64_t{zone} * 60;
}

}  // namespace loft::proto::imap

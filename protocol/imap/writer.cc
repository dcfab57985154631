// Response byte builders: strings, literals, flag lists and date-time.
#include "protocol/imap/writer.h"

#include <algorithm>
#include <cstdio>

#include "base/bytes.h"
#include "base/civil_date.h"
#include "protocol/imap/reader.h"

namespace loft::proto::imap {
bool quotable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u != 0 && u != '\r' && u != '\n' && u < 0x80;
  });
}

void append_quoted(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

void append_literal_header(std::string* out, uint64_t size) {
  out->push_back('{');
  out->append(std::to_string(size));
  out->append("}\r\n");
}

void append_string(std::string* out, std::string_view s) {
  if (s.size() <= kMaxQuoted && quotable(s)) {
    append_quoted(out, s);
    return;
  }
  append_literal_header(out, s.size());
  out->append(s);
}

void append_astring(std::string* out, std::string_view s) {
  // "NIL" is a valid astring atom, but clients parsing loosely mistake it
  // for the nil value, so it is quoted.
  bool atom = !s.empty() && !iequals(s, "NIL") &&
              std::all_of(s.begin(), s.end(), [](char c) { return is_astring_char(static_cast<unsigned char>(c)); });
  if (atom) {
    out->append(s);
  } else {
    append_string(out, s);
  }
}

void append_nstring(std::string* out, std::optional<std::string_view> s) {
  if (!s) {
    out->append("NIL");
  } else {
    append_string(out, *s);
  }
}

void append_flag_list(std::string* out, std::span<const std::string_view> flags) {
  out->push_back('(');
  for (size_t i = 0; i < flags.size(); ++i) {
    if (i > 0) out->push_back(' ');
    out->append(flags[i]);
  }
  out->push_back(')');
}

std::string format_internal_date(int64_t unix_seconds, int tz_offset_minutes) {
  // RFC 3501 §9: zone = ("+" / "-") 4DIGIT, so at most +-99:59.
  tz_offset_minutes = std::clamp(tz_offset_minutes, -(99 * 60 + 59), 99 * 60 + 59);
  // date-year is 4DIGIT: keep the instant within years 0000..9999.
  constexpr int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  int64_t local = std::clamp(unix_seconds, kMin, kMax) + int64_t{tz_offset_minutes} * 60;
  local = std::clamp(local, kMin, kMax);
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  int64_t year = 0;
  unsigned month = 1;
  unsigned day = 1;
  civil_from_days(days, &year, &month, &day);
  int tz = tz_offset_minutes < 0 ? -tz_offset_minutes : tz_offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%2u-%s-%04d %02d:%02d:%02d %c%02d%02d", day, month_abbrev(month).data(),
                static_cast<int>(year), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), tz_offset_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
  return buf;
}

}  // namespace loft::proto::imap

// Header fields for SEARCH (see search_header.h).
#include "protocol/imap/search_header.h"

#include <array>
#include <cctype>

#include "base/bytes.h"
#include "protocol/imap/search_parse.h"
#include "protocol/mime/charset.h"
#include "protocol/mime/decode.h"

namespace loft::proto::imap {

std::vector<HeaderField> parse_header_fields(std::string_view block) {
  std::vector<HeaderField> out;
  bool in_field = false;  // a continuation line belongs to the last field
  size_t pos = 0;
  while (pos < block.size()) {
    size_t eol = block.find('\n', pos);
    size_t next = eol == std::string_view::npos ? block.size() : eol + 1;
    std::string_view line = block.substr(pos, (eol == std::string_view::npos ? block.size() : eol) - pos);
    pos = next;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the blank line ends the header
    if (line[0] == ' ' || line[0] == '\t') {
      if (in_field) out.back().value.append(line);  // RFC 5322 §2.2.3: unfold by removing the CRLF
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      in_field = false;
      continue;
    }
    // obs-header allows white space before the colon (RFC 5322 §4.5.8)
    out.push_back({std::string(trim_blanks(line.substr(0, colon))), std::string(line.substr(colon + 1))});
    in_field = true;
  }
  for (HeaderField& f : out) f.value = std::string(trim_blanks(f.value));
  return out;
}

HeaderSearch::HeaderSearch(std::string_view block) : fields_(parse_header_fields(block)) {
  folded_.resize(fields_.size());
}

bool HeaderSearch::contains(std::string_view name, std::string_view folded_needle) {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!iequals(fields_[i].name, name)) continue;
    if (folded_needle.empty()) return true;
    if (!folded_[i]) folded_[i] = mime::fold_case(mime::decode_header_value(fields_[i].value));
    if (folded_[i]->find(folded_needle) != std::string::npos) return true;
  }
  return false;
}

std::vector<std::string> HeaderSearch::folded_values(std::string_view name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (!iequals(fields_[i].name, name)) continue;
    if (!folded_[i]) folded_[i] = mime::fold_case(mime::decode_header_value(fields_[i].value));
    out.push_back(*folded_[i]);
  }
  return out;
}

std::optional<int32_t> HeaderSearch::date_day() const {
  for (const HeaderField& f : fields_) {
    if (iequals(f.name, "Date")) return parse_rfc5322_day(f.value);
  }
  return std::nullopt;
}

std::optional<int32_t> parse_rfc5322_day(std::string_view value) {
  // Tokens of letters or digits; the first number <= 31 before a month name is
  // the day, the number after the month the year: "Tue, 1 Jul 2003 10:52:37 +0200".
  static constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::vector<std::string_view> tokens;
  size_t i = 0;
  while (i < value.size() && tokens.size() < 16) {
    if (!std::isalnum(static_cast<unsigned char>(value[i]))) {
      if (value[i] == ':') break;  // the time: day, month and year come before it
      ++i;
      continue;
    }
    size_t start = i;
    while (i < value.size() && std::isalnum(static_cast<unsigned char>(value[i]))) ++i;
    tokens.push_back(value.substr(start, i - start));
  }
  for (size_t t = 1; t + 1 < tokens.size(); ++t) {
    const std::string_view day = tokens[t - 1], month = tokens[t], year = tokens[t + 1];
    if (month.size() != 3 || day.size() > 2 || (year.size() != 2 && year.size() != 4 && year.size() != 3)) continue;
    bool known = false;
    for (std::string_view m : kMonths) known = known || iequals(m, month);
    if (!known) continue;
    int y = 0;
    bool digits = true;
    for (char c : year) {
      digits = digits && c >= '0' && c <= '9';
      y = y * 10 + (c - '0');
    }
    if (!digits) continue;
    if (year.size() == 2) y += y < 50 ? 2000 : 1900;  // RFC 5322 §4.3
    if (year.size() == 3) y += 1900;
    std::string text = std::string(day) + "-" + std::string(month) + "-" + std::to_string(y);
    int32_t days = 0;
    if (y >= 1000 && y <= 9999 && parse_search_date(text, &days)) return days;
  }
  return std::nullopt;
}

}  // namespace loft::proto::imap

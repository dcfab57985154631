#include "protocol/lmtp/aliases.h"

#include <utility>

#include "base/bytes.h"

namespace loft::proto::lmtp {

namespace {
bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c <= ' ' || c == ':' || c == ',' || c == '"' || c == '<' || c == '>' || c == 127) return false;
  return true;
}
}  // namespace

Result<Aliases> Aliases::parse(std::string_view text) {
  Aliases out;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim_blanks(line);
    if (line.empty()) continue;
    auto bad = [&](const char* why) {
      return make_error(Errc::bad_input, "line " + std::to_string(line_no) + ": " + why);
    };
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return bad("expected \"name: target, ...\"");
    std::string_view name = trim_blanks(line.substr(0, colon));
    if (!valid_name(name)) return bad("bad alias name");
    std::vector<std::string> targets;
    std::string_view rest = line.substr(colon + 1);
    while (true) {
      size_t comma = rest.find(',');
      std::string_view t = trim_blanks(rest.substr(0, comma));
      if (!valid_name(t)) return bad("bad or empty target");
      targets.push_back(ascii_lower(t));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    std::string key = ascii_lower(name);
    if (out.map_.count(key)) return bad("alias defined twice");
    out.map_.emplace(std::move(key), std::move(targets));
  }
  return out;
}

const std::vector<std::string>* Aliases::find(const Address& address) const {
  if (!address.domain.empty()) {
    auto full = map_.find(address.local + "@" + address.domain);
    if (full != map_.end()) return &full->second;
  }
  auto local = map_.find(address.local);
  return local == map_.end() ? nullptr : &local->second;
}

}  // namespace loft::proto::lmtp

// Line-framing helpers: literal headers at line ends and quote tracking.
#include "protocol/imap/framing.h"

namespace loft::proto::imap {

LiteralSpec literal_suffix(std::string_view line) {
  LiteralSpec spec;
  if (line.empty() || line.back() != '}') return spec;
  line.remove_suffix(1);
  // RFC 7888 §3: literal = "{" number64 ["+"] "}" CRLF
  bool plus = !line.empty() && line.back() == '+';
  if (plus) line.remove_suffix(1);
  size_t open = line.find_last_not_of("0123456789");
  if (open == std::string_view::npos || line[open] != '{' || open + 1 == line.size()) return spec;
  uint64_t n = 0;
  for (char c : line.substr(open + 1)) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    n = n > (UINT64_MAX - d) / 10 ? UINT64_MAX : n * 10 + d;  // saturate: "too big" either way
  }
  spec.present = true;
  spec.sync = !plus;
  spec.literal8 = open > 0 && line[open - 1] == '~';
  spec.size = n;
  return spec;
}

bool carries_message(std::string_view text) {
  // tag SP command: the command name is the second space-separated token.
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return false;
  std::string_view rest = text.substr(sp + 1);
  std::string_view name = rest.substr(0, rest.find(' '));
  auto is = [&name](std::string_view want) {
    if (name.size() != want.size()) return false;
    for (size_t i = 0; i < want.size(); ++i)
      if ((name[i] | 0x20) != want[i]) return false;
    return true;
  };
  if (is("uid") && rest.size() > name.size()) {  // RFC 8508 UID REPLACE
    rest.remove_prefix(name.size() + 1);
    name = rest.substr(0, rest.find(' '));
    return is("replace");
  }
  return is("append") || is("replace");
}

void QuoteTracker::scan(std::string_view bytes) {
  for (char c : bytes) {
    if (escape_) {
      escape_ = false;
    } else if (in_quote_) {
      if (c == '\\') {
        escape_ = true;
      } else if (c == '"') {
        in_quote_ = false;
      }
    } else if (c == '"') {
      in_quote_ = true;
    }
  }
}

void LineTail::append(std::string_view bytes) {
  if (bytes.size() >= kTailSize) {
    tail_.assign(bytes.substr(bytes.size() - kTailSize));
    return;
  }
  tail_.append(bytes);
  if (tail_.size() > kTailSize) tail_.erase(0, tail_.size() - kTailSize);
}

}  // namespace loft::proto::imap

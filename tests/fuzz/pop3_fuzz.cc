// Fuzz target for the POP3 codecs (protocol/pop3): the command parser and
// the multi-line byte-stuffer. Invariants: no crash; stuffing a message
// whole or in two pieces gives the same bytes; the stuffed form never has a
// line that is a lone "." before the terminator, and un-stuffing it gives
// back the message with every line end (CRLF, bare CR, bare LF) as CRLF, NUL
// as 0x80 and a final CRLF added when it lacked one.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/pop3/command.h"
#include "protocol/pop3/multiline.h"

namespace {

std::string stuff(std::string_view a, std::string_view b) {
  loft::proto::pop3::DotStuffer s;
  std::string out;
  s.feed(a, &out);
  s.feed(b, &out);
  s.finish(&out);
  return out;
}

// RFC 1939 §3: a client removes the extra "." of every line that starts with one.
std::string unstuff(std::string_view stuffed) {
  std::string out;
  bool line_start = true;
  for (size_t i = 0; i < stuffed.size(); ++i) {
    char c = stuffed[i];
    if (line_start && c == '.') {
      if (stuffed.substr(i) == ".\r\n") return out;  // the terminator
      line_start = false;
      continue;
    }
    out.push_back(c);
    line_start = c == '\n';
  }
  std::abort();  // no terminator
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  (void)loft::proto::pop3::parse_command(input.substr(0, nl == std::string_view::npos ? input.size() : nl));
  std::string whole = stuff(input, {});
  size_t cut = size == 0 ? 0 : (static_cast<size_t>(data[0]) * 131) % (size + 1);
  if (stuff(input.substr(0, cut), input.substr(cut)) != whole) std::abort();
  std::string expected;
  for (size_t i = 0; i < input.size(); ++i) {
    char c = input[i];
    if (c == '\r' || c == '\n') {
      expected += "\r\n";
      if (c == '\r' && i + 1 < input.size() && input[i + 1] == '\n') ++i;
    } else {
      expected.push_back(c == '\0' ? '\x80' : c);
    }
  }
  if (!expected.empty() && !(expected.size() >= 2 && expected.compare(expected.size() - 2, 2, "\r\n") == 0))
    expected += "\r\n";
  if (unstuff(whole) != expected) std::abort();
  return 0;
}

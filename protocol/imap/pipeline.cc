#include "protocol/imap/pipeline.h"

#include "protocol/imap/framing.h"

namespace loft::proto::imap {

size_t count_pipelined_commands(std::string_view input, size_t stop_after) {
  size_t count = 0;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t nl = input.find('\n', pos);
    if (nl == std::string_view::npos) break;  // a partial line: not a command yet
    std::string_view line = input.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    LiteralSpec lit = literal_suffix(line);
    if (lit.present) {
      // The literal's bytes belong to this command, which goes on after them.
      if (lit.size > input.size() - pos) break;
      pos += static_cast<size_t>(lit.size);
      continue;
    }
    if (++count > stop_after) break;
  }
  return count;
}

}  // namespace loft::proto::imap

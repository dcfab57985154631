// Fuzz target for the admin protocol (protocol/admin): the line splitter and
// request decoding. Invariants: no crash; a request that decodes encodes back
// to a line that decodes to the same request (tokens have one encoding).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/admin/line_splitter.h"
#include "protocol/admin/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace loft::proto::admin;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  LineSplitter lines;
  while (!input.empty()) {
    auto st = lines.next(&input);
    if (st != LineSplitter::Status::line) break;
    auto request = decode_request(lines.line());
    if (!request) continue;
    auto line = encode_request(*request);
    if (!line) continue;  // too long to send: fine
    std::string_view again(*line);
    again.remove_suffix(1);  // the LF
    auto back = decode_request(again);
    if (!back || back->kind != request->kind || back->name != request->name || back->password != request->password)
      std::abort();
    ResponseReader reader;
    (void)reader.add_line(lines.line());
  }
  return 0;
}

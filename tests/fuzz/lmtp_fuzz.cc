// Fuzz target for the LMTP codecs (protocol/lmtp): the line reader, the
// command parser and the DATA reader. Invariants: no crash; the line reader
// never holds more than its limit; reading whole or split at an offset
// derived from the input gives the same lines and the same message.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/lmtp/command.h"
#include "protocol/lmtp/data_reader.h"
#include "protocol/lmtp/line_reader.h"

namespace {

using loft::proto::lmtp::DataReader;
using loft::proto::lmtp::LineReader;

constexpr size_t kMaxLine = 512;
constexpr uint64_t kMaxData = 4096;

// Runs the session's reading loop: command lines until a DATA command, then
// the message, then lines again. Returns a transcript of what was read.
std::string run(const std::vector<std::string_view>& pieces) {
  LineReader lines(kMaxLine);
  DataReader data(kMaxData);
  bool in_data = false;
  std::string transcript, body;
  for (std::string_view in : pieces) {
    while (!in.empty()) {
      if (in_data) {
        auto st = data.feed(&in, &body);
        if (st == DataReader::Status::need_more) break;
        if (body.size() > kMaxData) std::abort();
        // A message over the limit is discarded: only its status and size are
        // defined (how much of it was appended depends on the chunking).
        if (st == DataReader::Status::done) transcript += "D" + body + "\n";
        else transcript += "B" + std::to_string(data.size()) + "\n";
        body.clear();
        data.reset(kMaxData);
        in_data = false;
        continue;
      }
      auto st = lines.read(&in);
      if (lines.buffered() > kMaxLine + 1) std::abort();
      if (st == LineReader::Status::need_more) break;
      if (st == LineReader::Status::too_long) {
        transcript += "T\n";
        continue;
      }
      auto cmd = loft::proto::lmtp::parse_command(lines.line());
      transcript += cmd ? std::string("C") + loft::proto::lmtp::verb_name(cmd->verb) + ":" + cmd->path : "E";
      transcript += "\n";
      if (cmd && cmd->verb == loft::proto::lmtp::Verb::data) in_data = true;
    }
  }
  return transcript;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string whole = run({input});
  size_t cut = size == 0 ? 0 : (static_cast<size_t>(data[0]) * 131) % (size + 1);
  if (run({input.substr(0, cut), input.substr(cut)}) != whole) std::abort();
  return 0;
}

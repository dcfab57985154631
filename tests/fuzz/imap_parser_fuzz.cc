// libFuzzer target for the IMAP parser. Feeds the input to Parser whole and
// in pieces (split points derived from the data) and checks both give the
// same events (RFC 4469 CATENATE parts included); also runs parse_command
// and the RFC 5092 URL parser on the raw bytes and exercises read_line after
// AUTHENTICATE. tests/fuzz/imap_parser.dict lists its tokens. Linked with
// replay_main.cc it replays a corpus as a normal test.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/imap/imap_url.h"
#include "protocol/imap/parser.h"

namespace {

using loft::proto::imap::CmdAuthenticate;
using loft::proto::imap::ParseEvent;
using loft::proto::imap::Parser;
using loft::proto::imap::ParserLimits;

// A compact fingerprint of an event (enough to detect a divergence).
std::string fingerprint(const ParseEvent& ev) {
  std::string s(1, static_cast<char>('0' + static_cast<int>(ev.kind)));
  if (ev.kind == ParseEvent::Kind::need_literal) s += std::to_string(ev.literal_size);
  // RFC 4469 CATENATE parts: the TEXT literal announced, the URL given.
  if (ev.kind == ParseEvent::Kind::catenate_text) s += std::to_string(ev.literal_size) + (ev.literal_sync ? "" : "+");
  if (ev.kind == ParseEvent::Kind::catenate_url) s.append(ev.data);
  if (ev.kind == ParseEvent::Kind::error) s += ev.error.tag + "|" + ev.error.message + (ev.error.fatal ? "!" : "");
  if (ev.command) s += ev.command->tag + "#" + std::to_string(ev.command->body.index());
  return s;
}

// Feeds pieces in turn; after an AUTHENTICATE without initial response the
// next raw line is read with read_line, as the server would.
std::vector<std::string> run(const ParserLimits& limits, const std::vector<std::string_view>& pieces) {
  Parser p(limits);
  std::vector<std::string> events;
  bool want_line = false;
  std::string line;
  for (std::string_view in : pieces) {
    // RFC 4469: parts read from one line come out without further input.
    while (!in.empty() || p.has_pending()) {
      if (want_line) {
        Parser::LineStatus st = p.read_line(&in, &line);
        if (st == Parser::LineStatus::need_more) break;
        events.push_back(st == Parser::LineStatus::line ? "L" + line : "T");
        want_line = false;
        continue;
      }
      ParseEvent ev = p.feed(&in);
      if (p.buffered() > limits.max_line + limits.max_literals_total + 64) std::abort();
      if (ev.kind == ParseEvent::Kind::need_more) {
        if (!in.empty()) std::abort();  // need_more means everything was consumed
        break;
      }
      if (ev.kind == ParseEvent::Kind::message_data) {
        // APPEND's message bytes come in pieces that follow the input's
        // split: compare their concatenation.
        if (events.empty() || events.back()[0] != 'D') events.push_back("D");
        events.back().append(ev.data);
        continue;
      }
      events.push_back(fingerprint(ev));
      if (ev.kind == ParseEvent::Kind::error && ev.error.fatal) return events;
      if (ev.command) {
        const auto* auth = std::get_if<CmdAuthenticate>(&ev.command->body);
        want_line = auth != nullptr && !auth->initial_response;
      }
    }
  }
  return events;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  ParserLimits limits;
  limits.max_line = 256;
  limits.max_literal = 512;
  limits.max_literals_total = 1024;
  limits.max_depth = 4;
  limits.max_tokens = 200;

  // The raw bytes as one command text, and as an RFC 5092 URL: must never crash.
  (void)loft::proto::imap::parse_command(all, limits);
  (void)loft::proto::imap::parse_message_url(all);

  // Split points from an FNV-1a hash of the data, so every input has its
  // own deterministic split without spending input bytes on it.
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : all) h = (h ^ c) * 1099511628211ULL;
  std::vector<std::string_view> pieces;
  for (size_t pos = 0; pos < all.size();) {
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t n = 1 + static_cast<size_t>((h >> 33) % 17);
    pieces.push_back(all.substr(pos, n));
    pos += n;
  }
  if (run(limits, {all}) != run(limits, pieces)) std::abort();
  return 0;
}

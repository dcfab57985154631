// mixed_load: the weighted command mix of tools/bench/imap_mixed.py (MIX and the
// per-operation texts of its session()), drawn with a client's own generator.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace mixed_load {

enum class MixOp { kFetchFlags, kFetchEnvelopes, kFetchHeaders, kFetchBody, kFetchPartial, kStore, kSearch,
                   kAppendExpunge };

struct MixCommand {
  MixOp op;
  const char* name;  // the latency key, as imap_mixed.py's st.add names it
  std::string text;  // the command without its tag; for kAppendExpunge the APPEND before its literal
};

// One command for a selected mailbox of `exists` (> 0) messages.
MixCommand draw_mix_command(std::mt19937_64& rng, uint32_t exists);

}  // namespace mixed_load

// mixed_load: the command mix, kept identical to imap_mixed.py's MIX weights and
// command texts so both generators load the servers the same way.
#include "mix.h"

#include <algorithm>
#include <array>

namespace mixed_load {

namespace {

struct WeightedOp {
  MixOp op;
  int weight;
};

// imap_mixed.py MIX: what a mix of desktop and phone clients asks for once synced
constexpr std::array<WeightedOp, 8> kMix{{{MixOp::kFetchFlags, 8}, {MixOp::kFetchEnvelopes, 10},
                                          {MixOp::kFetchHeaders, 10}, {MixOp::kFetchBody, 10},
                                          {MixOp::kFetchPartial, 5}, {MixOp::kStore, 10}, {MixOp::kSearch, 6},
                                          {MixOp::kAppendExpunge, 3}}};

constexpr int mix_total_weight() {
  int total = 0;
  for (const WeightedOp& w : kMix) total += w.weight;
  return total;
}

MixOp draw_op(std::mt19937_64& rng) {
  int pick = std::uniform_int_distribution<int>(0, mix_total_weight() - 1)(rng);
  for (const WeightedOp& w : kMix) {
    if (pick < w.weight) return w.op;
    pick -= w.weight;
  }
  return kMix.back().op;
}

uint32_t uniform(std::mt19937_64& rng, uint32_t low, uint32_t high) {
  return std::uniform_int_distribution<uint32_t>(low, high)(rng);
}

}  // namespace

MixCommand draw_mix_command(std::mt19937_64& rng, uint32_t exists) {
  const MixOp op = draw_op(rng);
  // drawn for every operation, as session() does
  const std::string n = std::to_string(uniform(rng, 1, exists));
  const uint32_t a = uniform(rng, 1, std::max<uint32_t>(1, exists > 19 ? exists - 19 : 0));
  const std::string page = std::to_string(a) + ":" + std::to_string(a + 19);
  switch (op) {
    case MixOp::kFetchFlags:
      return {op, "FETCH flags", "FETCH 1:* (UID FLAGS)"};
    case MixOp::kFetchEnvelopes:
      return {op, "FETCH envelope", "FETCH " + page + " (UID ENVELOPE)"};
    case MixOp::kFetchHeaders:
      return {op, "FETCH headers",
              "FETCH " + page + " (UID BODY.PEEK[HEADER.FIELDS (FROM TO SUBJECT DATE MESSAGE-ID)])"};
    case MixOp::kFetchBody:
      return {op, "FETCH body", "FETCH " + n + " BODY.PEEK[]"};
    case MixOp::kFetchPartial:
      return {op, "FETCH partial", "FETCH " + n + " BODY.PEEK[]<0.65536>"};
    case MixOp::kStore:
      return {op, "STORE", "STORE " + n + (uniform(rng, 0, 1) ? " +" : " -") + "FLAGS (\\Seen)"};
    case MixOp::kSearch: {
      const uint32_t which = uniform(rng, 0, 2);
      const std::string sender = std::to_string(uniform(rng, 0, 39));
      if (which == 0) return {op, "SEARCH", "SEARCH UNSEEN"};
      if (which == 1) return {op, "SEARCH", "SEARCH FROM \"sender" + sender + "\""};
      return {op, "SEARCH", "SEARCH SUBJECT \"report\""};
    }
    case MixOp::kAppendExpunge:
      break;
  }
  return {MixOp::kAppendExpunge, "APPEND", "APPEND INBOX (\\Seen)"};
}

}  // namespace mixed_load

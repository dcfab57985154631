// RFC 5267 §4.3 context updates: how a result the client holds (the
// "context", in the requested order) becomes a new one through REMOVEFROM
// and ADDTO items. Pure: items are computed over any 32-bit ids (Loft uses
// UIDs and maps them to what the client is told at the last moment), and
// apply_context_update is the client's side of the rules, for tests.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace loft::proto::imap {

// One (context position, ids) pair of an ADDTO or REMOVEFROM item. Position 0
// means "wherever they are" (SEARCH contexts, kept in mailbox order, §4.3.3).
using ContextPair = std::pair<uint32_t, std::vector<uint32_t>>;

// What turns `told` into `target`: removals first, then additions, each a
// list of pairs the client applies in order (§4.3.2). positional (SORT
// contexts): positions are 1-based places in the list as it stands when the
// pair is applied; else every pair has position 0 and ids ascending.
struct ContextDiff {
  std::vector<ContextPair> removed;
  std::vector<ContextPair> added;
  bool empty() const { return removed.empty() && added.empty(); }
};

// The diff from told to target (both duplicate-free). For a positional
// context the ids both hold must keep their relative order (sort keys do
// not change); if they do not, everything is removed and target added whole.
ContextDiff diff_context(std::span<const uint32_t> told, std::span<const uint32_t> target, bool positional);

// The REMOVEFROM pairs for the ids of *told that gone says are gone (sorted
// ascending), removing them from *told.
template <class Gone>
std::vector<ContextPair> remove_from_context(std::vector<uint32_t>* told, bool positional, Gone&& gone);

// The client's side of §4.3.3/§4.3.4: applies one item's pairs to list.
// False if a pair does not fit the list (a position beyond its end, or a
// removed id not at its place), which a correct server never sends.
bool apply_context_update(std::vector<uint32_t>* list, bool add, std::span<const ContextPair> pairs);

template <class Gone>
std::vector<ContextPair> remove_from_context(std::vector<uint32_t>* told, bool positional, Gone&& gone) {
  std::vector<ContextPair> pairs;
  std::vector<uint32_t> kept;
  kept.reserve(told->size());
  for (size_t i = 0; i < told->size(); ++i) {
    const uint32_t id = (*told)[i];
    if (!gone(id)) {
      kept.push_back(id);
      continue;
    }
    // A run of removed ids next to each other in the list is one pair; its
    // position is where the run starts once the earlier runs are gone.
    const uint32_t pos = positional ? static_cast<uint32_t>(kept.size() + 1) : 0;
    const bool extends = !pairs.empty() && (positional ? i > 0 && gone((*told)[i - 1]) : true);
    if (extends) pairs.back().second.push_back(id);
    else pairs.push_back({pos, {id}});
  }
  *told = std::move(kept);
  return pairs;
}

}  // namespace loft::proto::imap

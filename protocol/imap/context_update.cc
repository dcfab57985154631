// RFC 5267 §4.3.3 ADDTO and §4.3.4 REMOVEFROM (see context_update.h).
#include "protocol/imap/context_update.h"

#include <algorithm>
#include <unordered_set>

namespace loft::proto::imap {

namespace {

// True if the ids of a that b also holds come in the same order in both.
bool same_relative_order(std::span<const uint32_t> a, std::span<const uint32_t> b,
                         const std::unordered_set<uint32_t>& in_a, const std::unordered_set<uint32_t>& in_b) {
  size_t i = 0, j = 0;
  while (true) {
    while (i < a.size() && !in_b.count(a[i])) ++i;
    while (j < b.size() && !in_a.count(b[j])) ++j;
    if (i == a.size() || j == b.size()) return i == a.size() && j == b.size();
    if (a[i++] != b[j++]) return false;
  }
}

}  // namespace

ContextDiff diff_context(std::span<const uint32_t> told, std::span<const uint32_t> target, bool positional) {
  ContextDiff diff;
  const std::unordered_set<uint32_t> in_told(told.begin(), told.end()), in_target(target.begin(), target.end());
  std::vector<uint32_t> list(told.begin(), told.end());
  if (positional && !same_relative_order(told, target, in_told, in_target)) {
    // Never expected (sort keys do not change); start the client's list afresh.
    diff.removed = remove_from_context(&list, true, [](uint32_t) { return true; });
  } else {
    diff.removed = remove_from_context(&list, positional, [&](uint32_t id) { return !in_target.count(id); });
  }
  const std::unordered_set<uint32_t> kept(list.begin(), list.end());
  if (!positional) {
    std::vector<uint32_t> added;
    for (uint32_t id : target)
      if (!kept.count(id)) added.push_back(id);
    std::sort(added.begin(), added.end());
    if (!added.empty()) diff.added.push_back({0, std::move(added)});
    return diff;
  }
  // Walking target in order, each run of new ids is inserted where its first
  // id stands in the final list: everything before it is in place by then.
  for (size_t k = 0; k < target.size(); ++k) {
    if (kept.count(target[k])) continue;
    const bool extends = k > 0 && !kept.count(target[k - 1]);
    if (extends) diff.added.back().second.push_back(target[k]);
    else diff.added.push_back({static_cast<uint32_t>(k + 1), {target[k]}});
  }
  return diff;
}

bool apply_context_update(std::vector<uint32_t>* list, bool add, std::span<const ContextPair> pairs) {
  for (const auto& [pos, ids] : pairs) {
    if (pos == 0) {
      // §4.3.3/§4.3.4: wherever they are; additions kept in ascending order.
      if (add) {
        for (uint32_t id : ids) {
          if (std::find(list->begin(), list->end(), id) != list->end()) return false;
          list->insert(std::upper_bound(list->begin(), list->end(), id), id);
        }
      } else {
        for (uint32_t id : ids) {
          auto it = std::find(list->begin(), list->end(), id);
          if (it == list->end()) return false;
          list->erase(it);
        }
      }
      continue;
    }
    const size_t at = pos - 1;
    if (add) {
      if (at > list->size()) return false;
      list->insert(list->begin() + static_cast<std::ptrdiff_t>(at), ids.begin(), ids.end());
    } else {
      if (at + ids.size() > list->size()) return false;
      if (!std::equal(ids.begin(), ids.end(), list->begin() + static_cast<std::ptrdiff_t>(at))) return false;
      list->erase(list->begin() + static_cast<std::ptrdiff_t>(at),
                  list->begin() + static_cast<std::ptrdiff_t>(at + ids.size()));
    }
  }
  return true;
}

}  // namespace loft::proto::imap

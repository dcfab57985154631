// Sequence-set resolution against the view (msg_set.h).
#include "server/imap/msg_set.h"

#include <algorithm>

#include "protocol/imap/response_code.h"

namespace loft::server::imap {

namespace pi = proto::imap;

bool resolve_set(const pi::SeqSet& set, bool uid, const std::vector<storage::MessageSummary>& index,
                 std::vector<SeqUid>* out) {
  if (!uid) {
    uint32_t n = static_cast<uint32_t>(index.size());
    for (const auto& r : set.ranges)
      if ((r.lo != pi::kStar && r.lo > n) || (r.hi != pi::kStar && r.hi > n) || n == 0) return false;
    for (const auto& r : set.resolve(n))
      for (uint32_t seq = r.lo; seq <= r.hi; ++seq) out->push_back({seq, index[seq - 1].uid});
    return true;
  }
  if (index.empty()) return true;
  size_t i = 0;
  for (const auto& r : set.resolve(index.back().uid)) {
    while (i < index.size() && index[i].uid < r.lo) ++i;
    for (; i < index.size() && index[i].uid <= r.hi; ++i) out->push_back({static_cast<uint32_t>(i + 1), index[i].uid});
  }
  return true;
}

Result<std::string> mailbox_from_wire(std::string_view wire) {
  // TODO(mutf7): return proto::imap::mutf7_decode(wire) once
  // protocol/imap/mutf7.h is merged; until then names are taken as sent.
  return std::string(wire);
}

std::string target_error_line(const std::string& tag, const Error& e) {
  std::string out;
  if (e.code == Errc::not_found) out = tag + " NO [TRYCREATE] " + e.message + "\r\n";
  else proto::imap::append_error_response(&out, tag, e);
  return out;
}

uint32_t seq_of(const std::vector<storage::MessageSummary>& index, uint32_t uid) {
  auto it = std::lower_bound(index.begin(), index.end(), uid,
                             [](const storage::MessageSummary& m, uint32_t u) { return m.uid < u; });
  if (it == index.end() || it->uid != uid) return 0;
  return static_cast<uint32_t>(it - index.begin()) + 1;
}

}  // namespace loft::server::imap

#include "server/imap/view_fetch.h"

#include <algorithm>

#include "protocol/imap/response.h"

namespace loft::server::imap {

namespace pi = proto::imap;
using Kind = pi::FetchAtt::Kind;

bool view_answers(const std::vector<pi::FetchAtt>& items) {
  bool flags = false;
  for (const auto& it : items) {
    if (it.kind == Kind::flags) flags = true;
    else if (it.kind != Kind::uid || flags) return false;  // UID after FLAGS: the general path keeps the order
  }
  return flags;
}

void append_view_fetch(const MailboxView& view, std::span<const MailboxView::SeqUid> targets, bool with_uid,
                       size_t* next, size_t max_bytes, std::string* out) {
  // About 30 bytes a message; reserved so the string is not regrown (and copied) as it fills.
  constexpr size_t kGuess = 40, kSlack = 512;
  out->reserve(out->size() + std::min(max_bytes, (targets.size() - *next) * kGuess) + kSlack);
  while (*next < targets.size() && out->size() < max_bytes) {
    const auto& t = targets[(*next)++];
    auto s = view.state(t.uid);
    if (!s) continue;  // expunged meanwhile: nothing to say about it
    // RFC 3501 §2.3.2: \Recent is part of FLAGS, for this session only.
    pi::FetchFlagsResponse{t.seq, s->flags, s->keywords, s->recent,
                           with_uid ? std::optional<uint32_t>(t.uid) : std::nullopt, std::nullopt}
        .serialize(out);
  }
}

}  // namespace loft::server::imap

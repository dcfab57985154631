// The message commands' access to the selected mailbox's view (msg_set.h).
// NOTE(view): written over ImapSession::Selected::index (seq - 1 -> summary)
// and Selected::changed. With the shared MailboxView (server/imap/
// mailbox_view.h) these become: resolve_seqs/resolve_uids, view->seq_of,
// view->state(uid)->recent, view->set_flags, view->apply_own_expunge, and
// nothing for note_own_arrival (sync_mailbox delivers the published change).
#include "server/imap/msg_set.h"

#include <algorithm>

#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/response_code.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

std::vector<storage::MessageSummary>::const_iterator find_uid(const std::vector<storage::MessageSummary>& index,
                                                              uint32_t uid) {
  auto it = std::lower_bound(index.begin(), index.end(), uid,
                             [](const storage::MessageSummary& m, uint32_t u) { return m.uid < u; });
  return it != index.end() && it->uid == uid ? it : index.end();
}

}  // namespace

bool resolve_set(const ImapSession::Selected& sel, const pi::SeqSet& set, bool uid, std::vector<SeqUid>* out) {
  const auto& index = sel.index;
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

std::optional<uint32_t> seq_of(const ImapSession::Selected& sel, uint32_t uid) {
  auto it = find_uid(sel.index, uid);
  if (it == sel.index.end()) return std::nullopt;
  return static_cast<uint32_t>(it - sel.index.begin()) + 1;
}

bool is_recent(const ImapSession::Selected&, uint32_t) {
  // \Recent is kept by the mailbox view (RecentClaims); without it nothing is.
  return false;
}

void note_own_flags(ImapSession::Selected& sel, const storage::MessageSummary& m) {
  if (auto seq = seq_of(sel, m.uid)) sel.index[*seq - 1] = m;
}

std::optional<uint32_t> note_own_expunge(ImapSession::Selected& sel, uint32_t uid) {
  auto seq = seq_of(sel, uid);
  if (seq) sel.index.erase(sel.index.begin() + (*seq - 1));
  return seq;
}

void note_own_arrival(ImapSession::Selected& sel) { sel.changed = true; }

Result<std::string> mailbox_from_wire(std::string_view wire) {
  // RFC 3501 §5.1.3: modified UTF-7 on the wire, UTF-8 in the store.
  return pi::decode_mailbox_name(wire);
}

std::string target_error_line(const std::string& tag, const Error& e) {
  std::string out;
  if (e.code == Errc::not_found) out = tag + " NO [TRYCREATE] " + e.message + "\r\n";
  else pi::append_error_response(&out, tag, e);
  return out;
}

}  // namespace loft::server::imap

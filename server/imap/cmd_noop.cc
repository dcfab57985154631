// RFC 3501 §6.1.2 NOOP: the classic way to poll for new mail, so in the
// selected state it reports what changed (§7.3.1 EXISTS, §7.4.1 EXPUNGE,
// §7.4.2 FETCH FLAGS) before the tagged OK.
#include <unordered_map>

#include "server/connection.h"
#include "server/imap/flags.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdNoop&) {
  busy_ = true;
  sync_mailbox([this, tag] {
    tagged(tag, "OK", "NOOP completed");
    finish();
  });
}

void ImapSession::sync_mailbox(std::function<void()> next) {
  Selected* sel = selected();
  if (!sel || !sel->changed) {
    next();
    return;
  }
  sel->changed = false;
  auto fresh = std::make_shared<Result<std::vector<storage::MessageSummary>>>(std::vector<storage::MessageSummary>{});
  storage::MailboxId id = sel->info.id;
  conn().offload([this, fresh, id] { *fresh = store().message_index(id); },
                 [this, fresh, next = std::move(next)] {
                   Selected* s = selected();
                   if (s && fresh->ok()) {
                     std::unordered_map<uint32_t, const storage::MessageSummary*> now;
                     for (const auto& m : fresh->value()) now.emplace(m.uid, &m);
                     std::string out;
                     std::vector<storage::MessageSummary> kept;
                     for (size_t i = 0, seq = 1; i < s->index.size(); ++i) {
                       auto it = now.find(s->index[i].uid);
                       if (it == now.end()) {  // each EXPUNGE renumbers the later messages
                         out += "* " + std::to_string(seq) + " EXPUNGE\r\n";
                         continue;
                       }
                       if (it->second->flags != s->index[i].flags) {
                         out += "* " + std::to_string(seq) + " FETCH (FLAGS ";
                         append_flags(&out, it->second->flags);
                         out += ")\r\n";
                       }
                       kept.push_back(*it->second);
                       ++seq;
                     }
                     uint32_t last = kept.empty() ? 0 : kept.back().uid;
                     size_t old_count = kept.size();
                     for (const auto& m : fresh->value())
                       if (m.uid > last) kept.push_back(m);
                     // EXPUNGE already told the client the new count (§7.4.1);
                     // EXISTS is only for new arrivals (§7.3.1).
                     if (kept.size() != old_count) out += "* " + std::to_string(kept.size()) + " EXISTS\r\n";
                     s->index = std::move(kept);
                     send(out);
                   }
                   next();
                 });
}

}  // namespace loft::server::imap

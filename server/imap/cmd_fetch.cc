// RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH: resolve the set against the
// session's view, then stream the responses with a FetchJob.
#include "protocol/imap/seqset.h"
#include "server/imap/fetch_job.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {
std::vector<FetchJob::Target> targets_of(const std::vector<MailboxView::SeqUid>& found) {
  std::vector<FetchJob::Target> out;
  out.reserve(found.size());
  for (const auto& m : found) out.push_back({m.seq, m.uid});
  return out;
}
}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdFetch& c) {
  const char* name = c.uid ? "UID FETCH" : "FETCH";
  auto needs = check_fetch_items(c.items);
  if (!needs) {
    tagged(tag, "NO", "[CANNOT] " + needs.error().message);
    return;
  }
  std::vector<MailboxView::SeqUid> found;
  if (c.uid) {
    view()->resolve_uids(c.set, &found);
  } else if (!view()->resolve_seqs(c.set, &found)) {
    tagged(tag, "BAD", std::string("Error in IMAP command ") + name + ": Invalid messageset");
    return;
  }
  std::vector<FetchJob::Target> targets = targets_of(found);
  if (targets.empty()) {
    tagged(tag, "OK", std::string(name) + " completed");
    return;
  }
  busy_ = true;
  fetch_ = std::make_unique<FetchJob>(*this, tag, c, *needs, std::move(targets));
  fetch_->start();
}

}  // namespace loft::server::imap

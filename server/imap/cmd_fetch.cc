// RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH: resolve the set against the
// session's view, then stream the responses with a FetchJob.
#include "protocol/imap/seqset.h"
#include "server/imap/fetch_job.h"
#include "server/imap/session.h"
#include "server/imap/view_fetch.h"

namespace loft::server::imap {

namespace pi = proto::imap;

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
  size_t first = 0;
  if (view_answers(c.items)) {
    // FLAGS (and UID) come from the view: the first step is built here, so a
    // FETCH of up to FetchJob::kStepBytes of responses needs no worker at all.
    bool with_uid = c.uid || c.items.front().kind == pi::FetchAtt::Kind::uid;
    std::string out;
    append_view_fetch(*view(), found, with_uid, &first, FetchJob::kStepBytes, &out);
    conn().write_owned(std::move(out));
  }
  if (first == found.size()) {
    tagged(tag, "OK", std::string(name) + " completed");
    return;
  }
  busy_ = true;
  fetch_ = std::make_unique<FetchJob>(*this, tag, c, *needs, std::move(found), first);
  fetch_->start();
}

}  // namespace loft::server::imap

// RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH: resolve the set against the
// session's view, then stream the responses with a FetchJob.
#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/seqset.h"
#include "server/imap/search_res.h"
#include "server/imap/condstore.h"
#include "server/imap/fetch_job.h"
#include "server/imap/session.h"
#include "server/imap/view_fetch.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {
void fetch_changed_since(ImapSession& s, const std::string& tag, pi::CmdFetch c, FetchNeeds needs,
                         std::optional<std::vector<FetchJob::Target>> resolved);
}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdFetch& in) {
  const char* name = in.uid ? "UID FETCH" : "FETCH";
  // RFC 7162 §3.2.6: VANISHED only once QRESYNC is enabled.
  if (in.vanished && !(enabled_ & pi::kEnableQresync)) {
    tagged(tag, pi::Status::bad, "VANISHED needs ENABLE QRESYNC first");
    return;
  }
  pi::CmdFetch c = in;
  auto has_modseq = [&c] {
    return std::any_of(c.items.begin(), c.items.end(), [](const pi::FetchAtt& a) { return a.kind == pi::FetchAtt::Kind::modseq; });
  };
  // RFC 7162 §3.1: FETCH MODSEQ and CHANGEDSINCE enable CONDSTORE; CHANGEDSINCE
  // implies MODSEQ (§3.1.4.1), and so does a \Seen set while CONDSTORE is on.
  if (c.changed_since || has_modseq()) enable(pi::kEnableCondstore);
  auto needs = check_fetch_items(c.items);
  if (!needs) {
    tagged(tag, "NO", "[CANNOT] " + needs.error().message);
    return;
  }
  if (!has_modseq() && (c.changed_since || ((enabled_ & pi::kEnableCondstore) && needs && needs->sets_seen))) {
    pi::FetchAtt m;
    m.kind = pi::FetchAtt::Kind::modseq;
    c.items.push_back(m);
  }
  if (c.changed_since && c.uid) {
    // UID FETCH (CHANGEDSINCE): the change log names the few candidates, so the
    // set is tested per changed UID instead of resolved whole (cost in
    // proportion to the changes, RFC 7162 §1, not to the mailbox).
    busy_ = true;
    fetch_changed_since(*this, tag, std::move(c), *needs, std::nullopt);
    return;
  }
  std::vector<MailboxView::SeqUid> found;
  bool by_uid = c.uid;
  c.set = expand_last_result(*selected(), c.set, &by_uid);  // RFC 5182 "$": the saved UIDs
  if (by_uid) {
    view()->resolve_uids(c.set, &found);
  } else if (!view()->resolve_seqs(c.set, &found)) {
    tagged(tag, "BAD", std::string("Error in IMAP command ") + name + ": Invalid messageset");
    return;
  }
  if (c.changed_since) {
    busy_ = true;
    fetch_changed_since(*this, tag, std::move(c), *needs, std::move(found));
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

namespace {

// FETCH (CHANGEDSINCE n [VANISHED]) once the set is resolved (RFC 7162
// §3.1.4.1, §3.2.6): only the messages the change log names, and (VANISHED)
// "* VANISHED (EARLIER)" for the set's UIDs expunged since. The session is busy.
// resolved: the set's messages, or nullopt for a UID set tested per changed UID.
void fetch_changed_since(ImapSession& s, const std::string& tag, pi::CmdFetch c, FetchNeeds needs,
                         std::optional<std::vector<FetchJob::Target>> resolved) {
  uint64_t since = *c.changed_since;
  read_changed_since(s, s.selected()->info.id, since, c.vanished,
                     [&s, tag, c = std::move(c), needs, resolved = std::move(resolved)](Result<ChangedSince> r) mutable {
                       const char* name = c.uid ? "UID FETCH" : "FETCH";
                       if (!r) {
                         s.tagged_error(tag, r.error());
                         s.finish();
                         return;
                       }
                       std::vector<uint32_t> vanished;
                       for (uint32_t uid : r->expunged)
                         if (in_uid_set(c.set, uid)) vanished.push_back(uid);
                       std::string out;
                       pi::VanishedResponse{true, vanished}.serialize(&out);
                       s.send(out);
                       const auto& changed = r->changed;
                       std::vector<FetchJob::Target> targets;
                       if (resolved) {
                         targets = std::move(*resolved);
                         std::erase_if(targets, [&changed](const FetchJob::Target& t) {
                           return !std::binary_search(changed.begin(), changed.end(), t.uid);
                         });
                       } else if (MailboxView* view = s.view()) {
                         // changed is ascending by UID, so targets ascend by sequence number too.
                         const uint32_t largest = view->max_uid();
                         for (uint32_t uid : changed)
                           if (c.set.contains(uid, largest))
                             if (auto seq = view->seq_of(uid)) targets.push_back({*seq, uid});
                       }
                       if (targets.empty() || !s.selected()) {
                         s.tagged(tag, "OK", std::string(name) + " completed");
                         s.finish();
                         return;
                       }
                       s.fetch_slot() = std::make_unique<FetchJob>(s, tag, std::move(c), needs, std::move(targets));
                       s.fetch_slot()->start();
                     });
}

}  // namespace

}  // namespace loft::server::imap

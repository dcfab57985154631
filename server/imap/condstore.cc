// RFC 7162 in the session (condstore.h): HIGHESTMODSEQ, the QRESYNC
// resynchronisation of SELECT and the change-log reads of FETCH CHANGEDSINCE.
#include "server/imap/condstore.h"

#include <algorithm>
#include <memory>

#include "protocol/imap/condstore.h"
#include "protocol/imap/response.h"
#include "server/connection.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {
// "*" in a client's UID set stands for any UID here: the client's own list.
constexpr uint32_t kAnyUid = UINT32_MAX - 1;

size_t count_of(const pi::SeqSet& set) {
  size_t n = 0;
  for (const pi::SeqRange& r : set.resolve(kAnyUid)) n += static_cast<size_t>(r.hi) - r.lo + 1;
  return n;
}

void sort_unique(std::vector<uint32_t>* v) {
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}
}  // namespace

uint64_t highest_modseq(const ImapSession::Selected& sel) {
  return std::max(sel.info.highestmodseq, sel.view->shared().highestmodseq());
}

bool in_uid_set(const pi::SeqSet& set, uint32_t uid) { return set.contains(uid, kAnyUid); }

bool seq_match_ok(const pi::QresyncParams& q) {
  if (!q.match_seqs) return true;
  return count_of(*q.match_seqs) == count_of(*q.match_uids);
}

void read_changed_since(ImapSession& session, storage::MailboxId mailbox, uint64_t modseq, bool expunged,
                        std::function<void(Result<ChangedSince>)> done) {
  auto out = std::make_shared<Result<ChangedSince>>(ChangedSince{});
  storage::Store* store = &session.store();
  session.conn().offload(
      [store, mailbox, modseq, expunged, out] {
        auto changed = store->changed_since(mailbox, modseq);
        if (!changed) {
          *out = changed.error();
          return;
        }
        ChangedSince& cs = out->value();
        cs.changed.reserve(changed->size());
        for (const auto& m : *changed) cs.changed.push_back(m.uid);
        sort_unique(&cs.changed);
        if (!expunged) return;
        auto gone = store->expunged_since(mailbox, modseq);
        if (!gone) {
          *out = gone.error();
          return;
        }
        cs.expunged = std::move(*gone);
        sort_unique(&cs.expunged);
      },
      [out, done = std::move(done)] { done(std::move(*out)); });
}

void send_qresync(ImapSession& session, const pi::QresyncParams& q, std::function<void(Result<void>)> done) {
  ImapSession::Selected* sel = session.selected();
  storage::MailboxId mailbox = sel->info.id;
  read_changed_since(
      session, mailbox, q.modseq, true, [&session, q, mailbox, done = std::move(done)](Result<ChangedSince> r) {
        ImapSession::Selected* s = session.selected();
        if (!r) {
          done(r.error());
          return;
        }
        if (!s || s->info.id != mailbox) {
          done(Result<void>{});
          return;
        }
        std::string out;
        // §3.2.5.2: the expunged UIDs first, limited to the client's known UIDs.
        std::vector<uint32_t> vanished;
        for (uint32_t uid : r->expunged)
          if ((!q.known_uids || in_uid_set(*q.known_uids, uid)) && !s->view->seq_of(uid)) vanished.push_back(uid);
        pi::VanishedResponse{true, vanished}.serialize(&out);
        // Then the messages changed since q.modseq, with their state as the view holds it now.
        for (uint32_t uid : r->changed) {
          if (q.known_uids && !in_uid_set(*q.known_uids, uid)) continue;
          auto seq = s->view->seq_of(uid);
          auto st = s->view->state(uid);
          if (!seq || !st) continue;  // not announced yet, or expunged meanwhile: the view reports it
          pi::FetchFlagsResponse{*seq, st->flags, st->keywords, st->recent, uid, st->modseq}.serialize(&out);
        }
        session.send(out);
        done(Result<void>{});
      });
}

}  // namespace loft::server::imap

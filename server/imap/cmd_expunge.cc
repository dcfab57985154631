// RFC 3501 §6.4.3 EXPUNGE, RFC 4315 §2.1 UID EXPUNGE, §6.4.2 CLOSE (expunges
// silently), RFC 3691 UNSELECT (does not), §6.4.1 CHECK. The \Deleted
// messages are taken from the loop's shared index of the mailbox, not what
// the session's client was told, so a flag set by another session counts
// too (§6.4.3: "all messages").
#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/message_responses.h"
#include "server/connection.h"
#include "server/imap/search_res.h"
#include "server/imap/condstore.h"
#include "server/loop.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::expunge_deleted(std::optional<pi::SeqSet> uids, bool silent, std::function<void(Result<void>)> next) {
  Selected* sel = selected();
  storage::MailboxId mailbox = sel->info.id;
  // The candidates come from the loop's shared index once every published
  // change is in it, so a \Deleted set by another session (acknowledged,
  // hence published) counts; the commit keeps any whose flag was cleared
  // since (expunge_deleted_async). No scan of the store's records.
  conn_.loop().deliver_changes();
  const auto& entries = sel->view->shared().entries();
  const uint32_t largest = entries.empty() ? 0 : entries.back().uid;
  std::vector<uint32_t> doomed;
  for (const auto& m : entries)
    if ((m.flags() & storage::kDeleted) && (!uids || uids->contains(m.uid, largest))) doomed.push_back(m.uid);
  auto removed = std::make_shared<Result<std::vector<uint32_t>>>(std::vector<uint32_t>{});
  conn().offload_async(
      [this, mailbox, removed, doomed = std::move(doomed)](std::function<void()> finished) {
        if (doomed.empty()) {
          finished();
          return;
        }
        store().expunge_deleted_async(mailbox, doomed,
                                      [removed, finished = std::move(finished)](Result<std::vector<uint32_t>> r) {
                                        *removed = std::move(r);
                                        finished();
                                      });
      },
      [this, mailbox, removed, silent, next = std::move(next)] {
        if (!*removed) {
          next(removed->error());
          return;
        }
        Selected* s = selected();
        if (s && s->info.id == mailbox) {
          std::vector<uint32_t> gone = removed->value();
          std::sort(gone.begin(), gone.end());
          std::string out;
          // Each EXPUNGE renumbers the messages after it (RFC 3501 §7.4.1).
          // RFC 7162 §3.2.10: once QRESYNC is enabled, one VANISHED of UIDs instead.
          bool vanished = enabled_ & pi::kEnableQresync;
          std::vector<uint32_t> told;
          const std::vector<std::optional<uint32_t>> seqs = note_own_expunges(*s, gone);
          for (size_t i = 0; i < gone.size(); ++i) {
            if (seqs[i] && !silent && !vanished) pi::append_expunge(&out, *seqs[i]);
            if (seqs[i]) told.push_back(gone[i]);
          }
          if (vanished && !silent) pi::VanishedResponse{false, told}.serialize(&out);
          send(out);
        }
        next(Result<void>{});
      });
}

void ImapSession::handle(const std::string& tag, const pi::CmdExpunge& c) {
  const char* name = c.uid ? "UID EXPUNGE" : "EXPUNGE";
  if (selected()->read_only) {  // RFC 3501 §6.3.2
    tagged(tag, "NO", "Mailbox is read-only");
    return;
  }
  busy_ = true;
  std::optional<pi::SeqSet> set;
  bool by_uid = true;
  if (c.uid) set = expand_last_result(*selected(), c.set, &by_uid);  // RFC 5182: UID EXPUNGE $
  expunge_deleted(std::move(set), false, [this, tag, name](Result<void> r) {
    if (!r) {
      tagged_error(tag, r.error());
      finish();
      return;
    }
    sync_mailbox([this, tag, name] {
      // RFC 7162 §3.2 (EXPUNGE): reports the new HIGHESTMODSEQ once CONDSTORE is on.
      if ((enabled_ & pi::kEnableCondstore) && selected())
        tagged(tag, pi::Status::ok, pi::ResponseCode::highestmodseq(highest_modseq(*selected())),
               std::string(name) + " completed");
      else
        tagged(tag, "OK", std::string(name) + " completed");
      finish();
    });
  });
}

void ImapSession::handle(const std::string& tag, const pi::CmdClose&) {
  // RFC 3501 §6.4.2: expunge without untagged EXPUNGE (none for EXAMINE),
  // then back to the authenticated state, even if the expunge failed.
  if (selected()->read_only) {
    deselect();
    tagged(tag, "OK", "CLOSE completed");
    return;
  }
  busy_ = true;
  expunge_deleted(std::nullopt, true, [this, tag](Result<void> r) {
    // RFC 7162 §3.2 (CLOSE): with QRESYNC on, CLOSE gives the HIGHESTMODSEQ after its expunge.
    std::optional<uint64_t> highest;
    if (r && (enabled_ & pi::kEnableQresync) && selected()) {
      conn().loop().deliver_changes();
      highest = highest_modseq(*selected());
    }
    deselect();
    if (r && highest) tagged(tag, pi::Status::ok, pi::ResponseCode::highestmodseq(*highest), "CLOSE completed");
    else if (r) tagged(tag, "OK", "CLOSE completed");
    else tagged_error(tag, r.error());
    finish();
  });
}

void ImapSession::handle(const std::string& tag, const pi::CmdUnselect&) {
  // RFC 3691 §2: like CLOSE without the expunge.
  deselect();
  tagged(tag, "OK", "UNSELECT completed");
}

void ImapSession::handle(const std::string& tag, const pi::CmdCheck&) {
  // RFC 3501 §6.4.1: every commit is already durable; report what changed.
  busy_ = true;
  sync_mailbox([this, tag] {
    tagged(tag, "OK", "CHECK completed");
    finish();
  });
}

}  // namespace loft::server::imap

// RFC 3501 §6.4.6 STORE and §6.4.8 UID STORE: FLAGS, +FLAGS, -FLAGS and
// their .SILENT forms, system flags and keywords. The change is committed
// asynchronously; then each message's new flags (keywords included) are
// read back and reported as untagged FETCH, with UID for UID STORE.
#include <algorithm>
#include <unordered_map>

#include "protocol/imap/condstore.h"
#include "protocol/imap/message_responses.h"
#include "server/imap/condstore.h"
#include "server/connection.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

storage::FlagOp op_of(pi::CmdStore::Op op) {
  switch (op) {
    case pi::CmdStore::Op::add: return storage::FlagOp::add;
    case pi::CmdStore::Op::remove: return storage::FlagOp::remove;
    case pi::CmdStore::Op::replace: break;
  }
  return storage::FlagOp::replace;
}

}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdStore& c) {
  Selected* sel = selected();
  const char* name = c.uid ? "UID STORE" : "STORE";
  // RFC 3501 §6.3.2: a mailbox opened with EXAMINE cannot be changed.
  if (sel->read_only) {
    tagged(tag, "NO", "Mailbox is read-only");
    return;
  }
  std::vector<SeqUid> targets;
  if (!resolve_set(*sel, c.set, c.uid, &targets)) {
    tagged(tag, "BAD", std::string("Error in IMAP command ") + name + ": Invalid messageset");
    return;
  }
  // RFC 7162 §3.1: STORE (UNCHANGEDSINCE) enables CONDSTORE.
  if (c.unchanged_since) enable(pi::kEnableCondstore);
  if (targets.empty()) {
    tagged(tag, "OK", std::string(name) + " completed");
    return;
  }
  busy_ = true;
  auto uids = std::make_shared<std::vector<uint32_t>>();
  uids->reserve(targets.size());
  for (const auto& t : targets) uids->push_back(t.uid);
  // The modseqs before the change: .SILENT reports only those it raised (RFC 7162 §3.1.3).
  auto before = std::make_shared<std::unordered_map<uint32_t, uint64_t>>();
  if (c.silent && (enabled_ & pi::kEnableCondstore))
    for (const auto& t : targets)
      if (auto st = sel->view->state(t.uid)) (*before)[t.uid] = st->modseq;
  storage::FlagChange change;
  change.op = op_of(c.op);
  change.flags = c.flags.system;
  change.keywords = c.flags.keywords;
  change.unchanged_since = c.unchanged_since;
  auto result = std::make_shared<Result<storage::FlagResult>>(Error{Errc::internal, "not committed"});
  storage::MailboxId mailbox = sel->info.id;
  bool report = !c.silent;
  uint32_t uid_in_reply = c.uid;
  bool conditional = c.unchanged_since.has_value();
  conn().offload_async(
      [this, mailbox, uids, change, result](std::function<void()> finished) {
        store().store_flags_async(mailbox, *uids, change,
                                  [result, finished = std::move(finished)](Result<storage::FlagResult> r) {
                                    *result = std::move(r);
                                    finished();
                                  });
      },
      [this, tag, name, result, mailbox, report, uid_in_reply, conditional, before] {
        if (!*result) {
          tagged_error(tag, result->error());
          finish();
          return;
        }
        // The view takes the new flags now, so the change is not reported a
        // second time when the feed's event for it arrives.
        Selected* s = selected();
        bool here = s && s->info.id == mailbox;
        bool condstore = enabled_ & pi::kEnableCondstore;
        bool with_uid = uid_in_reply || (enabled_ & pi::kEnableQresync);
        bool with_uid_forced = !uid_in_reply && with_uid;  // QRESYNC: UID in every FETCH
        std::string out;
        if (here) {
          note_own_flags(*s, result->value().updated);
          for (const auto& m : result->value().updated) {
            auto was = before->find(m.uid);
            bool bumped = was == before->end() || was->second < m.modseq;
            auto seq = seq_of(*s, m.uid);
            if (!seq) continue;
            // RFC 3501 §6.4.6: the new flags of each message, from the store's
            // answer (keywords included). RFC 7162 §3.1.3: with CONDSTORE on, MODSEQ
            // too, and even .SILENT reports a changed modseq.
            if (report && !condstore && !with_uid_forced) {
              pi::FlagsFetch{*seq, uid_in_reply ? m.uid : 0, m.flags, is_recent(*s, m.uid), m.keywords}.serialize(&out);
            } else if (report) {
              pi::FetchFlagsResponse{*seq, m.flags, m.keywords, is_recent(*s, m.uid),
                                     with_uid ? std::optional<uint32_t>(m.uid) : std::nullopt,
                                     condstore ? std::optional<uint64_t>(m.modseq) : std::nullopt}
                  .serialize(&out);
            } else if (condstore && bumped) {
              pi::ModseqFetchResponse{*seq, with_uid ? std::optional<uint32_t>(m.uid) : std::nullopt, m.modseq}
                  .serialize(&out);
            }
          }
        }
        send(out);
        // RFC 7162 §3.1.3: the messages that failed the UNCHANGEDSINCE test, as
        // UIDs for UID STORE and sequence numbers for STORE.
        std::vector<uint32_t> modified;
        if (conditional && here) {
          for (uint32_t uid : result->value().modified) {
            if (uid_in_reply) modified.push_back(uid);
            else if (auto seq = seq_of(*s, uid)) modified.push_back(*seq);
          }
          std::sort(modified.begin(), modified.end());
        }
        auto done = [this, tag, name, modified = std::move(modified)] {
          if (modified.empty()) tagged(tag, "OK", std::string(name) + " completed");
          else
            tagged(tag, pi::Status::ok, pi::ResponseCode{"MODIFIED", pi::modified_code_arg(modified)},
                   "Conditional STORE failed");
          finish();
        };
        // RFC 3501 §7.4.1: no EXPUNGE while answering STORE; UID STORE may
        // report every pending change.
        if (uid_in_reply) sync_mailbox(std::move(done));
        else done();
      });
}

}  // namespace loft::server::imap

// RFC 3501 §6.4.6 STORE and §6.4.8 UID STORE: FLAGS, +FLAGS, -FLAGS and
// their .SILENT forms, system flags and keywords. The change is committed
// asynchronously; then each message's new flags (keywords included) are
// read back and reported as untagged FETCH, with UID for UID STORE.
#include <unordered_map>

#include "protocol/imap/message_responses.h"
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
  if (targets.empty()) {
    tagged(tag, "OK", std::string(name) + " completed");
    return;
  }
  busy_ = true;
  auto uids = std::make_shared<std::vector<uint32_t>>();
  uids->reserve(targets.size());
  for (const auto& t : targets) uids->push_back(t.uid);
  storage::FlagChange change;
  change.op = op_of(c.op);
  change.flags = c.flags.system;
  change.keywords = c.flags.keywords;
  auto result = std::make_shared<Result<storage::FlagResult>>(Error{Errc::internal, "not committed"});
  storage::MailboxId mailbox = sel->info.id;
  bool report = !c.silent;
  uint32_t uid_in_reply = c.uid;
  conn().offload_async(
      [this, mailbox, uids, change, result](std::function<void()> finished) {
        store().store_flags_async(mailbox, *uids, change,
                                  [result, finished = std::move(finished)](Result<storage::FlagResult> r) {
                                    *result = std::move(r);
                                    finished();
                                  });
      },
      [this, tag, name, result, mailbox, report, uid_in_reply] {
        if (!*result) {
          tagged_error(tag, result->error());
          finish();
          return;
        }
        // The view takes the new flags now, so the change is not reported a
        // second time when the feed's event for it arrives.
        Selected* s = selected();
        if (s && s->info.id == mailbox)
          for (const auto& m : result->value().updated) note_own_flags(*s, m);
        // RFC 3501 §6.4.6: the new value of the flags of each message, from
        // the store's answer (keywords included): no second read.
        std::string out;
        if (report && s && s->info.id == mailbox) {
          for (const auto& m : result->value().updated) {
            auto seq = seq_of(*s, m.uid);
            if (!seq) continue;
            pi::FlagsFetch f{*seq, uid_in_reply ? m.uid : 0, m.flags, is_recent(*s, m.uid), m.keywords};
            f.serialize(&out);
          }
        }
        send(out);
        auto done = [this, tag, name] {
          tagged(tag, "OK", std::string(name) + " completed");
          finish();
        };
        // RFC 3501 §7.4.1: no EXPUNGE while answering STORE; UID STORE may
        // report every pending change.
        if (uid_in_reply) sync_mailbox(std::move(done));
        else done();
      });
}

}  // namespace loft::server::imap

// RFC 3501 §6.4.7 COPY and RFC 6851 MOVE, with their UID forms (§6.4.8).
// Bodies are shared by the store, never copied. Both answer RFC 4315
// COPYUID: COPY in its tagged OK; MOVE in an untagged OK sent before the
// EXPUNGEs of the moved messages (RFC 6851 §4.3).
#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/message_responses.h"
#include "server/connection.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdCopy& c) {
  Selected* sel = selected();
  std::string name = std::string(c.uid ? "UID " : "") + (c.move ? "MOVE" : "COPY");
  // RFC 6851 §3.3: MOVE expunges, which a read-only mailbox does not allow.
  if (c.move && sel->read_only) {
    tagged(tag, "NO", "Mailbox is read-only");
    return;
  }
  std::vector<SeqUid> targets;
  if (!resolve_set(*sel, c.set, c.uid, &targets)) {
    tagged(tag, "BAD", "Error in IMAP command " + name + ": Invalid messageset");
    return;
  }
  busy_ = true;
  auto uids = std::make_shared<std::vector<uint32_t>>();
  for (const auto& t : targets) uids->push_back(t.uid);
  auto result = std::make_shared<Result<storage::CopyResult>>(Error{Errc::internal, "not copied"});
  auto dest = std::make_shared<storage::MailboxId>(0);
  storage::AccountId account_id = account().id;
  storage::MailboxId from = sel->info.id;
  bool move = c.move;
  // The destination is looked up on a worker; the commit completes on its
  // own (no worker waits for the fsync).
  conn().offload_async(
      [this, uids, result, dest, account_id, from, move, wire = c.mailbox,
       form = name_form()](std::function<void()> finished) {
        auto name = mailbox_from_wire(wire, form);
        if (!name) {
          *result = name.error();
          return finished();
        }
        auto to = store().find_mailbox(account_id, *name);
        if (!to) {
          *result = to.error();
          return finished();
        }
        *dest = to->id;
        if (move && to->id == from) {  // a well-formed request the store cannot do: NO, not BAD
          *result = Error{Errc::perm, "Cannot move messages into their own mailbox"};
          return finished();
        }
        if (uids->empty()) {  // RFC 3501 §6.4.8: a UID set matching nothing is no error
          *result = storage::CopyResult{to->uidvalidity, {}};
          return finished();
        }
        auto done = [result, finished = std::move(finished)](Result<storage::CopyResult> r) {
          *result = std::move(r);
          finished();
        };
        if (move) store().move_async(from, *uids, to->id, std::move(done));
        else store().copy_async(from, *uids, to->id, std::move(done));
      },
      [this, tag, name, result, dest, from, move] {
        if (!*result) {
          send(target_error_line(tag, result->error()));
          finish();
          return;
        }
        const storage::CopyResult& copied = result->value();
        std::string code;
        if (!copied.uids.empty()) pi::CopyUid{copied.uidvalidity, copied.uids}.serialize(&code);
        Selected* s = selected();
        std::string out;
        if (move && s && s->info.id == from) {
          if (!code.empty()) pi::append_untagged_ok(&out, code, "Moved UIDs.");
          code.clear();
          // Each EXPUNGE renumbers the later messages (RFC 3501 §7.4.1):
          // note_own_expunges numbers each after the earlier removals.
          // RFC 7162 §3.2.10: once QRESYNC is enabled, VANISHED of the UIDs instead.
          bool vanished = enabled() & pi::kEnableQresync;
          std::vector<uint32_t> moved, told;
          for (const auto& [src, dst] : copied.uids) moved.push_back(src);
          std::sort(moved.begin(), moved.end());
          moved.erase(std::unique(moved.begin(), moved.end()), moved.end());
          const std::vector<std::optional<uint32_t>> seqs = note_own_expunges(*s, moved);
          for (size_t i = 0; i < moved.size(); ++i) {
            if (seqs[i] && !vanished) pi::append_expunge(&out, *seqs[i]);
            if (seqs[i]) told.push_back(moved[i]);
          }
          if (vanished) pi::VanishedResponse{false, told}.serialize(&out);
        }
        send(out);
        if (s && s->info.id == *dest) note_own_arrival(*s);  // copied into itself: new messages
        sync_mailbox([this, tag, name, code] {
          std::string line;
          pi::append_tagged_ok(&line, tag, code, name + " completed");
          send(line);
          finish();
        });
      });
}

}  // namespace loft::server::imap

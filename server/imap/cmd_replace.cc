// RFC 8508 REPLACE and UID REPLACE: an APPEND (streamed like one, see
// cmd_append.cc) whose commit also expunges a message of the selected
// mailbox, in one store batch (Store::replace). Here: resolving the old
// message before the literal is accepted, and the replies after the commit
// (untagged OK [APPENDUID], then EXPUNGE or VANISHED as for MOVE, RFC 8508 §3.4).
#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/enable.h"
#include "protocol/imap/message_responses.h"
#include "server/imap/append_upload.h"
#include "server/imap/msg_set.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

std::optional<std::string> ImapSession::resolve_replace(const std::string& tag, const pi::CmdAppend& c) {
  Selected* sel = selected();
  if (!sel) return tag + " BAD REPLACE is not allowed in this state\r\n";  // RFC 8508 §3: selected state
  // RFC 8508 §3.3: the old message is expunged, which a read-only mailbox does not allow.
  if (sel->read_only) return tag + " NO [READ-ONLY] Mailbox is read-only\r\n";
  std::optional<pi::SeqSet> set =
      pi::SeqSet::parse(*c.replace == pi::CmdAppend::kLastMessage ? std::string("*") : std::to_string(*c.replace));
  std::vector<SeqUid> found;
  if (!set || !resolve_set(*sel, *set, c.replace_uid, &found))
    return tag + " BAD Error in IMAP command REPLACE: Invalid messageset\r\n";
  if (found.size() != 1) return target_error_line(tag, Error{Errc::expunged, "No such message to replace"});
  append_->replacing() = AppendUpload::Replacing{sel->info.id, found.front().uid};
  return std::nullopt;
}

void ImapSession::replace_done(const std::string& tag, const storage::DeliveredCopy& copy, uint32_t old_uid,
                               bool into_selected) {
  std::string out, code;
  pi::AppendUid{copy.uidvalidity, {copy.uid}}.serialize(&code);
  pi::append_untagged_ok(&out, code, "Replacement message ready");
  if (Selected* s = selected()) {
    // RFC 7162 §3.2.10: VANISHED once QRESYNC is enabled, as MOVE does.
    if (auto seq = note_own_expunge(*s, old_uid)) {
      const uint32_t gone[] = {old_uid};
      if (enabled() & pi::kEnableQresync) pi::VanishedResponse{false, gone}.serialize(&out);
      else pi::append_expunge(&out, *seq);
    }
    if (into_selected) note_own_arrival(*s);
  }
  send(out);
  sync_mailbox([this, tag] {
    std::string line;
    pi::append_tagged_ok(&line, tag, "", "REPLACE completed");
    send(line);
    finish();
  });
}

}  // namespace loft::server::imap

// The message commands' access to the selected mailbox's view (msg_set.h).
// Over the session's MailboxView (server/imap/mailbox_view.h).
#include "server/imap/msg_set.h"


#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/response_code.h"
#include "server/imap/search_res.h"

namespace loft::server::imap {

namespace pi = proto::imap;

bool resolve_set(const ImapSession::Selected& sel, const pi::SeqSet& in, bool uid, std::vector<SeqUid>* out) {
  pi::SeqSet set = expand_last_result(sel, in, &uid);  // RFC 5182 "$": UIDs
  if (uid) {
    sel.view->resolve_uids(set, out);
    return true;
  }
  return sel.view->resolve_seqs(set, out);
}

std::optional<uint32_t> seq_of(const ImapSession::Selected& sel, uint32_t uid) { return sel.view->seq_of(uid); }

bool is_recent(const ImapSession::Selected& sel, uint32_t uid) {
  auto st = sel.view->state(uid);
  return st && st->recent;
}

void note_own_flags(ImapSession::Selected& sel, std::span<const storage::MessageSummary> ms) {
  sel.view->set_flags_batch(ms);
  if (sel.contexts) sel.contexts->told();  // RFC 5267 §4.3: membership may change
}

std::optional<uint32_t> note_own_expunge(ImapSession::Selected& sel, uint32_t uid) {
  return note_own_expunges(sel, {&uid, 1})[0];
}

std::vector<std::optional<uint32_t>> note_own_expunges(ImapSession::Selected& sel,
                                                       std::span<const uint32_t> sorted_uids) {
  // RFC 5267 §4.3.4: the REMOVEFROM goes out before the EXPUNGE the caller sends.
  if (sel.contexts) sel.contexts->before_expunge(sorted_uids, nullptr);
  auto seqs = sel.view->apply_own_expunges(sorted_uids);
  if (sel.contexts) sel.contexts->told();
  return seqs;
}

// The change feed reports the new messages; the next sync_mailbox sends EXISTS.
void note_own_arrival(ImapSession::Selected&) {}

Result<std::string> mailbox_from_wire(std::string_view wire, pi::NameForm form) {
  // RFC 3501 §5.1.3: modified UTF-7 on the wire, UTF-8 in the store (and on
  // the wire too after ENABLE UTF8=ACCEPT, RFC 6855 §3).
  return pi::decode_mailbox_name(wire, form);
}

std::string target_error_line(const std::string& tag, const Error& e) {
  std::string out;
  if (e.code == Errc::not_found) out = tag + " NO [TRYCREATE] " + e.message + "\r\n";
  else pi::append_error_response(&out, tag, e);
  return out;
}

}  // namespace loft::server::imap

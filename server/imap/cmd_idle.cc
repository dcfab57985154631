// RFC 2177 IDLE, in the authenticated and the selected state (Outlook IDLEs
// before any SELECT). "+ idling", then every update of the selected mailbox
// is pushed as soon as the change feed reports it (EXPUNGE included: no
// command is running, §3), until the client's DONE line. The session is not
// busy meanwhile, so the connection's idle limit (at least 30 minutes,
// RFC 3501 §5.4) is what ends a forgotten IDLE, with a BYE.
#include "base/bytes.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdIdle&) {
  idle_tag_ = tag;
  reply(pi::ContinuationResponse{"idling"});
  idle_push();  // what was already pending goes out at once
}

bool ImapSession::idle_step(std::string_view* view) {
  std::string line;
  auto st = parser_.read_line(view, &line);
  if (st == pi::Parser::LineStatus::need_more) return false;
  std::string tag = std::move(*idle_tag_);
  idle_tag_.reset();
  // RFC 2177 §3: the only thing a client may send while idling is DONE.
  if (st == pi::Parser::LineStatus::too_long || !iequals(line, "DONE")) {
    tagged(tag, pi::Status::bad, "Expected DONE to end IDLE");
    return true;
  }
  tagged(tag, pi::Status::ok, "IDLE terminated");
  return true;
}

void ImapSession::idle_push() {
  MailboxView* v = view();
  if (!v) return;
  if (!idle_tag_) {
    if (notifier_) notify_ready();  // RFC 5465 SELECTED: pushed outside IDLE too
    return;
  }
  std::string out;
  write_updates(true, &out);
  if (!out.empty()) send(out);
}

}  // namespace loft::server::imap

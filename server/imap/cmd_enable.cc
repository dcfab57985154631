// RFC 5161 ENABLE (authenticated state only, see the command table). Names
// Loft does not know are ignored (§3.1); the ENABLED response lists only the
// extensions this command turned on.
#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_response.h"
#include "server/connection.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void ImapSession::handle(const std::string& tag, const pi::CmdEnable& c) {
  std::vector<std::string> enabled;
  for (const std::string& cap : c.capabilities) {
    uint32_t bit = pi::enable_bit(cap);
    if (bit == 0 || (enabled_ & bit)) continue;
    // RFC 6855 §3: UTF8=ACCEPT only in the authenticated state, before a
    // mailbox is selected. The command table already answers ENABLE in the
    // selected state with BAD; this keeps the rule if that ever changes.
    if (bit == pi::kEnableUtf8Accept && selected()) continue;
    // IMAP4rev2 is offered only when the switch is on (imap4rev2_offered).
    if (bit == pi::kEnableImap4rev2 && (!imap4rev2_offered() || selected())) continue;
    enable(bit);
    enabled.push_back(cap == "IMAP4REV2" ? "IMAP4rev2" : cap);
  }
  std::string out;
  pi::EnabledResponse{enabled}.serialize(&out);
  send(out);
  tagged(tag, "OK", "ENABLE completed");
}

void ImapSession::enable(uint32_t bits) {
  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE (not listed in ENABLED unless asked).
  if (bits & pi::kEnableQresync) bits |= pi::kEnableCondstore;
  enabled_ |= bits;
  set_view_reporting();
}

void ImapSession::set_view_reporting() {
  MailboxView* v = view();
  if (!v) return;
  // RFC 7162 §3.1.4, §3.2.10; RFC 9051 §7.5.2: an IMAP4rev2 session's
  // unsolicited FETCH carries UID.
  v->set_reporting(enabled_ & pi::kEnableCondstore, enabled_ & pi::kEnableQresync,
                   enabled_ & (pi::kEnableQresync | pi::kEnableImap4rev2));
}

pi::NameForm ImapSession::name_form() const {
  return (enabled_ & (pi::kEnableUtf8Accept | pi::kEnableImap4rev2)) ? pi::NameForm::utf8 : pi::NameForm::mutf7;
}

bool ImapSession::imap4rev2_offered() const { return conn_.server().config().imap.imap4rev2; }

}  // namespace loft::server::imap

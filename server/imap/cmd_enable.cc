// RFC 5161 ENABLE (authenticated state only, see the command table). Names
// Loft does not know are ignored (§3.1); the ENABLED response lists only the
// extensions this command turned on.
#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_response.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdEnable& c) {
  std::vector<std::string> enabled;
  for (const std::string& cap : c.capabilities) {
    uint32_t bit = proto::imap::enable_bit(cap);
    if (bit == 0 || (enabled_ & bit)) continue;
    enable(bit);
    enabled.push_back(cap);
  }
  std::string out;
  proto::imap::EnabledResponse{enabled}.serialize(&out);
  send(out);
  tagged(tag, "OK", "ENABLE completed");
}

void ImapSession::enable(uint32_t bits) {
  // RFC 7162 §3.2.3: QRESYNC implies CONDSTORE (not listed in ENABLED unless asked).
  if (bits & proto::imap::kEnableQresync) bits |= proto::imap::kEnableCondstore;
  enabled_ |= bits;
  if (MailboxView* v = view())
    v->set_reporting(enabled_ & proto::imap::kEnableCondstore, enabled_ & proto::imap::kEnableQresync);
}

}  // namespace loft::server::imap

#include "server/session_factory.h"

#include "server/admin/admin_session.h"
#include "server/connection.h"
#include "server/imap/session.h"
#include "server/lmtp/session.h"
#include "server/pop3/session.h"

namespace loft::server {

namespace {
// Answers a connection the server cannot take, then lets it close.
class RefuseSession final : public Session {
 public:
  RefuseSession(Connection& conn, std::string line) : conn_(conn), line_(std::move(line)) {}
  void on_open() override { conn_.write(line_); }
  void on_data(std::string_view) override {}

 private:
  Connection& conn_;
  std::string line_;
};
}  // namespace

std::unique_ptr<Session> make_session(Connection& conn, bool over_limit) {
  ListenerProtocol p = conn.listener().protocol;
  if (over_limit) {
    // RFC 3501 §7.1.5 BYE; RFC 5321 §3.8 421 for the SMTP family.
    if (p == ListenerProtocol::imap) return std::make_unique<RefuseSession>(conn, "* BYE Too many connections\r\n");
    if (p == ListenerProtocol::pop3)  // RFC 2449 §8, RFC 3206 §4
      return std::make_unique<RefuseSession>(conn, "-ERR [SYS/TEMP] Too many connections\r\n");
    return std::make_unique<RefuseSession>(conn, "421 4.3.2 Too many connections, try again later\r\n");
  }
  switch (p) {
    case ListenerProtocol::imap: return std::make_unique<imap::ImapSession>(conn);
    case ListenerProtocol::lmtp: return std::make_unique<lmtp::LmtpSession>(conn);
    case ListenerProtocol::pop3: return std::make_unique<pop3::Pop3Session>(conn);
    case ListenerProtocol::admin: return std::make_unique<AdminSession>(conn);
  }
  return nullptr;  // unreachable: every protocol has a session
}

}  // namespace loft::server

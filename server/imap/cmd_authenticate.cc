// RFC 3501 §6.2.2 AUTHENTICATE with SASL PLAIN (RFC 4616), including the
// RFC 4959 initial response and the "+" continuation when it is absent.
#include "protocol/sasl/plain.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdAuthenticate& c) {
  if (c.mechanism != "PLAIN") {
    tagged(tag, "NO", "Unsupported authentication mechanism.");
    return;
  }
  if (!auth_allowed()) {
    tagged(tag, "NO", "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    return;
  }
  if (!c.initial_response) {
    sasl_tag_ = tag;
    send("+ \r\n");
    return;
  }
  // RFC 4959 §3: "=" stands for an empty initial response.
  sasl_tag_ = tag;
  continue_authenticate(*c.initial_response == "=" ? std::string() : *c.initial_response);
}

void ImapSession::continue_authenticate(std::string line) {
  std::string tag = *sasl_tag_;
  sasl_tag_.reset();
  if (line == "*") {  // RFC 3501 §6.2.2: the client cancels
    tagged(tag, "BAD", "Authentication aborted");
    return;
  }
  auto decoded = proto::sasl::base64_decode(line);
  if (!decoded) {
    tagged(tag, "BAD", "Invalid base64 data");
    return;
  }
  auto creds = proto::sasl::parse_plain(*decoded);
  if (!creds || !proto::sasl::authorizes_self(*creds)) {
    tagged(tag, "NO", "[AUTHENTICATIONFAILED] Authentication failed.");
    return;
  }
  authenticate(tag, std::move(creds->authcid), std::move(creds->password));
}

}  // namespace loft::server::imap

// RFC 3501 §6.2.2 AUTHENTICATE with SASL PLAIN (RFC 4616) and LOGIN
// (draft-murchison-sasl-login: the user name, then the password, each on its
// own continuation line; Outlook and old clients use it), including the
// RFC 4959 initial response and the "+" continuation when it is absent.
#include "protocol/sasl/plain.h"
#include "server/imap/session.h"

namespace loft::server::imap {

void ImapSession::handle(const std::string& tag, const proto::imap::CmdAuthenticate& c) {
  if (c.mechanism != "PLAIN" && c.mechanism != "LOGIN") {
    tagged(tag, "NO", "Unsupported authentication mechanism.");
    return;
  }
  if (!auth_allowed()) {
    tagged(tag, "NO", "[PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.");
    return;
  }
  sasl_login_ = c.mechanism == "LOGIN";
  sasl_user_.reset();
  if (!c.initial_response) {
    sasl_tag_ = tag;
    send(sasl_login_ ? "+ VXNlcm5hbWU6\r\n" : "+ \r\n");  // LOGIN asks "Username:"
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
    sasl_user_.reset();
    tagged(tag, "BAD", "Authentication aborted");
    return;
  }
  auto decoded = proto::sasl::base64_decode(line);
  if (!decoded) {
    sasl_user_.reset();
    tagged(tag, "BAD", "Invalid base64 data");
    return;
  }
  if (sasl_login_) {
    if (!sasl_user_) {
      sasl_user_ = std::move(*decoded);
      sasl_tag_ = tag;
      send("+ UGFzc3dvcmQ6\r\n");  // "Password:"
      return;
    }
    std::string user = std::move(*sasl_user_);
    sasl_user_.reset();
    authenticate(tag, std::move(user), std::move(*decoded));
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

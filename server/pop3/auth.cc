// The POP3 AUTHORIZATION state: CAPA (RFC 2449 §5), STLS (RFC 2595 §4),
// USER/PASS (RFC 1939 §7), AUTH PLAIN (RFC 5034, RFC 4616) and LOGIN, and the login
// that loads the maildrop snapshot.
#include <algorithm>

#include "base/log.h"
#include "protocol/pop3/response.h"
#include "protocol/sasl/plain.h"
#include "server/connection.h"
#include "server/login.h"
#include "server/pop3/maildrop_lock.h"
#include "server/pop3/session.h"
#include "server/server.h"

namespace loft::server::pop3 {

namespace pp = proto::pop3;

namespace {
const char kPlaintextRefused[] = "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

// Everything the worker found out for a login attempt.
struct Login {
  std::optional<storage::Account> account;
  std::optional<Error> load_error;    // the password matched but the maildrop did not load
  storage::MailboxInfo inbox;
  std::vector<Pop3Session::Message> messages;
};

// Loads the INBOX snapshot: every message's uid and size, ascending by uid,
// in one scan of the mailbox's records.
Result<void> load_maildrop(storage::Store& store, storage::AccountId account, Login* login) {
  auto inbox = store.find_mailbox(account, "INBOX");
  if (!inbox) return inbox.error();
  login->inbox = *inbox;
  auto sizes = store.message_sizes(inbox->id);
  if (!sizes) return sizes.error();
  login->messages.reserve(sizes->size());
  for (const auto& m : *sizes) login->messages.push_back({m.uid, m.size, false});
  return {};
}
}  // namespace

bool Pop3Session::auth_allowed() const { return conn_.secure() || conn_.listener().allow_plaintext_auth; }

void Pop3Session::on_capa() {
  pp::CapaOptions options;
  options.stls = !conn_.tls_active() && conn_.listener().tls == TlsMode::starttls;
  options.implementation = "Loft";
  send(pp::capa_response(options));
}

void Pop3Session::on_stls() {
  if (conn_.tls_active()) {
    send(pp::err("Command not permitted when TLS active"));  // RFC 2595 §4
    return;
  }
  if (conn_.listener().tls != TlsMode::starttls) {
    send(pp::err("STLS is not offered on this port."));
    return;
  }
  send(pp::ok("Begin TLS negotiation"));
  conn_.start_tls();
  // RFC 2595 §4 (and the STARTTLS injection attacks): nothing received in the
  // clear counts after the handshake, not even a USER already given.
  discard_input_ = true;
  lines_.reset();
  user_.reset();
}

void Pop3Session::on_user(const pp::Command& cmd) {
  if (!auth_allowed()) {
    send(pp::err(pp::RespCode::auth, kPlaintextRefused));
    return;
  }
  user_ = cmd.arg;
  // RFC 1939 §7 allows -ERR for an unknown name; we never tell.
  send(pp::ok(""));
}

void Pop3Session::on_pass(const pp::Command& cmd) {
  if (!auth_allowed()) {
    send(pp::err(pp::RespCode::auth, kPlaintextRefused));
    return;
  }
  if (!user_) {
    send(pp::err("No user name given: send USER first."));
    return;
  }
  std::string user = std::move(*user_);
  user_.reset();  // RFC 1939 §7: a failed PASS needs a new USER
  authenticate(std::move(user), cmd.arg);
}

void Pop3Session::on_auth(const pp::Command& cmd) {
  if (cmd.arg.empty()) {  // a bare AUTH lists the mechanisms (the pre-RFC 5034 form many clients use)
    send(pp::multiline("Supported mechanisms follow", {"PLAIN", "LOGIN"}));
    return;
  }
  if (cmd.arg != "PLAIN" && cmd.arg != "LOGIN") {
    send(pp::err("Unsupported authentication mechanism."));
    return;
  }
  if (!auth_allowed()) {
    send(pp::err(pp::RespCode::auth, kPlaintextRefused));
    return;
  }
  user_.reset();
  sasl_login_ = cmd.arg == "LOGIN";
  sasl_user_.reset();
  if (!cmd.initial_response) {
    sasl_pending_ = true;
    // RFC 5034 §4: an empty challenge; LOGIN (draft-murchison-sasl-login) asks "Username:".
    send(sasl_login_ ? "+ VXNlcm5hbWU6\r\n" : "+ \r\n");
    return;
  }
  // RFC 5034 §4: "=" stands for an empty initial response.
  continue_auth(*cmd.initial_response == "=" ? std::string() : *cmd.initial_response);
}

void Pop3Session::continue_auth(const std::string& line) {
  if (line == "*") {  // RFC 5034 §4: the client cancels
    send(pp::err("Authentication cancelled."));
    return;
  }
  auto decoded = proto::sasl::base64_decode(line);
  if (!decoded) {
    send(pp::err("Invalid base64 data."));
    return;
  }
  if (sasl_login_) {  // LOGIN: the user name, then the password, each its own line
    if (!sasl_user_) {
      sasl_user_ = std::move(*decoded);
      sasl_pending_ = true;
      send("+ UGFzc3dvcmQ6\r\n");  // "Password:"
      return;
    }
    std::string user = std::move(*sasl_user_);
    sasl_user_.reset();
    authenticate(std::move(user), std::move(*decoded));
    return;
  }
  auto creds = proto::sasl::parse_plain(*decoded);
  // No proxy logins: an authorization identity must name the same user.
  if (!creds || !proto::sasl::authorizes_self(*creds)) {
    send(pp::err(pp::RespCode::auth, "Authentication failed."));
    return;
  }
  authenticate(std::move(creds->authcid), std::move(creds->password));
}

void Pop3Session::authenticate(std::string user, std::string password) {
  busy_ = true;
  gated_login(conn_, std::move(user), std::move(password), [this](LoginCheck check) {
    if (!check.account) {
      if (check.temp_failure)
        send(pp::err(pp::RespCode::sys_temp, "Temporary authentication failure, try again later."));
      else if (check.locked_out)  // RFC 3206 §4: SYS/TEMP, a condition that may pass
        send(pp::err(pp::RespCode::sys_temp, "Too many failed logins from your address, try again later."));
      else
        send(pp::err(pp::RespCode::auth, "Authentication failed."));
      finish();
      return;
    }
    // RFC 2449 §8.1.1: one session per maildrop; the second is refused.
    if (!lock_maildrop(check.account->id)) {
      LogEvent(LogLevel::info, "pop3", "login").session(conn_.id()).remote(conn_.peer()).user(check.account->name)
          .field("result", "in_use");
      send(pp::err(pp::RespCode::in_use, "Mailbox is locked by another POP3 session."));
      finish();
      return;
    }
    locked_ = check.account->id;
    auto login = std::make_shared<Login>();
    login->account = std::move(check.account);
    conn_.offload(
        [this, login] {
          if (auto loaded = load_maildrop(store(), login->account->id, login.get()); !loaded)
            login->load_error = loaded.error();
        },
        [this, login] {
          if (!login->load_error) {
            LogEvent(LogLevel::info, "pop3", "login").session(conn_.id()).remote(conn_.peer())
                .user(login->account->name).field("result", "ok");
            login->account->password_hash = std::string();  // no session needs it
            account_ = std::move(login->account);
            mailbox_ = std::move(login->inbox);
            messages_ = std::move(login->messages);
            state_ = State::transaction;
            auto [count, size] = totals();
            send(pp::ok("Logged in, maildrop has " + std::to_string(count) + " messages (" + std::to_string(size) +
                        " octets)."));
          } else {
            LogEvent(LogLevel::warn, "pop3", "login").session(conn_.id()).remote(conn_.peer())
                .user(login->account->name).field("result", "temp_failure").field("error", login->load_error->message);
            unlock_maildrop(*locked_);
            locked_.reset();
            send(pp::err(pp::RespCode::sys_temp, "Cannot open the maildrop, try again later."));
          }
          finish();
        });
  });
}

}  // namespace loft::server::pop3

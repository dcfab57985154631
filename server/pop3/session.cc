#include "server/pop3/session.h"

#include "base/log.h"
#include "protocol/pop3/response.h"
#include "server/connection.h"
#include "server/pop3/maildrop_lock.h"
#include "server/pop3/retr_job.h"
#include "server/server.h"

namespace loft::server::pop3 {

namespace pp = proto::pop3;

// RFC 1939 §4 limits a command line to 255 octets; the pre-login limit is
// larger and bounds SASL responses too. POP3 needs no longer lines after login.
Pop3Session::Pop3Session(Connection& conn)
    : conn_(conn), lines_(conn.server().config().limits.preauth_max_line) {}

Pop3Session::~Pop3Session() {
  if (locked_) unlock_maildrop(*locked_);
}

storage::Store& Pop3Session::store() { return conn_.server().store(); }

void Pop3Session::send(std::string_view bytes) { conn_.write(bytes); }

// RFC 1939 §4: the greeting. No APOP timestamp: APOP is not offered.
void Pop3Session::on_open() { send(pp::ok("Loft POP3 ready.")); }

// RFC 1939 §3: an autologout ends the session without entering UPDATE, so
// marked messages stay.
void Pop3Session::on_idle_timeout() { send(pp::err("Disconnected for inactivity.")); }

void Pop3Session::on_shutdown() { send(pp::err(pp::RespCode::sys_temp, "Server shutting down.")); }

void Pop3Session::on_drain() {
  if (retr_) retr_->on_drain();
  process();  // commands held back by output backpressure go on
}

void Pop3Session::on_login_timeout() { send(pp::err("Login timeout.")); }

void Pop3Session::on_data(std::string_view bytes) {
  input_.append(bytes);
  process();
}

void Pop3Session::process() {
  input_.run(conn_, [this](std::string_view* view) { return step(view); });
}

bool Pop3Session::step(std::string_view* view) {
  if (busy_ || quit_) return false;
  auto st = lines_.read(view);
  if (st == proto::lmtp::LineReader::Status::need_more) return false;
  if (st == proto::lmtp::LineReader::Status::too_long) {
    sasl_pending_ = false;  // an over-long SASL response ends the exchange too
    send(pp::err("line too long"));
    return true;
  }
  if (sasl_pending_) {
    sasl_pending_ = false;
    continue_auth(lines_.line());
  } else {
    handle_line(lines_.line());
  }
  if (discard_input_) {  // RFC 2595 §4: plaintext pipelined after STLS is dropped
    discard_input_ = false;
    *view = {};
  }
  return true;
}

void Pop3Session::finish() {
  busy_ = false;
  process();
}

void Pop3Session::handle_line(const std::string& line) {
  auto cmd = pp::parse_command(line);
  if (!cmd) {
    send(pp::err(cmd.error().message));
    return;
  }
  dispatch(*cmd);
}

void Pop3Session::dispatch(const pp::Command& cmd) {
  using pp::Verb;
  // Commands valid in both states.
  if (cmd.verb == Verb::capa) return on_capa();
  if (cmd.verb == Verb::quit) return on_quit();
  if (state_ == State::authorization) {
    switch (cmd.verb) {
      case Verb::user: return on_user(cmd);
      case Verb::pass: return on_pass(cmd);
      case Verb::auth: return on_auth(cmd);
      case Verb::stls: return on_stls();
      case Verb::apop:  // RFC 1939 §7: optional; we keep no plaintext passwords to check it against
        send(pp::err("APOP is not supported."));
        return;
      default:
        send(pp::err(std::string(pp::verb_name(cmd.verb)) + " is not allowed before login."));
        return;
    }
  }
  switch (cmd.verb) {
    case Verb::stat: return on_stat();
    case Verb::list: return on_list(cmd);
    case Verb::uidl: return on_uidl(cmd);
    case Verb::retr:
    case Verb::top: return on_retr(cmd);
    case Verb::dele: return on_dele(cmd);
    case Verb::rset: return on_rset();
    case Verb::noop: send(pp::ok("")); return;
    default:
      send(pp::err(std::string(pp::verb_name(cmd.verb)) + " is not allowed after login."));
      return;
  }
}

}  // namespace loft::server::pop3

#include "server/imap/session.h"

#include <utility>

#include "base/log.h"
#include "protocol/imap/pipeline.h"
#include "protocol/imap/response_code.h"
#include "server/connection.h"
#include "server/imap/append_upload.h"
#include "server/imap/fetch_job.h"
#include "server/imap/notify.h"
#include "server/imap/recent_claims.h"
#include "server/loop.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {
// What one command may send. Before login anyone on the internet may be
// talking: lines and literals are small (enough for AUTHENTICATE with a long
// token); after it, a literal may hold a whole message (APPEND).
pi::ParserLimits limits_from(const Config& c, bool authenticated) {
  pi::ParserLimits l;
  l.max_line = authenticated ? c.limits.max_line : c.limits.preauth_max_line;
  l.max_literal = authenticated ? c.limits.max_message_size : c.limits.preauth_max_literal;
  l.max_literals_total = static_cast<size_t>(l.max_literal);
  l.max_append_messages = c.limits.max_append_messages;
  l.max_append_total = authenticated ? c.limits.max_append_total : l.max_literal;
  return l;
}
}  // namespace

ImapSession::ImapSession(Connection& conn) : conn_(conn), parser_(limits_from(conn.server().config(), false)) {
  RecentClaims::instance().attach(store().changes());
}

ImapSession::~ImapSession() { deselect(); }

storage::Store& ImapSession::store() { return conn_.server().store(); }

void ImapSession::send(std::string_view bytes) { conn_.write(bytes); }

void ImapSession::tagged(const std::string& tag, pi::Status status, std::string_view text) {
  if (tag == cmd_tag_) flush_updates();
  reply(pi::StatusResponse{tag, status, std::nullopt, text});
}

void ImapSession::tagged(const std::string& tag, pi::Status status, pi::ResponseCode code, std::string_view text) {
  if (tag == cmd_tag_) flush_updates();
  reply(pi::StatusResponse{tag, status, std::move(code), text});
}

void ImapSession::tagged(const std::string& tag, std::string_view status, std::string_view text) {
  pi::Status s = status == "OK" ? pi::Status::ok : status == "NO" ? pi::Status::no : pi::Status::bad;
  // A "[CODE] " at the start of text is written as part of the text.
  if (tag == cmd_tag_) flush_updates();
  reply(pi::StatusResponse{tag, s, std::nullopt, text});
}

void ImapSession::tagged_error(const std::string& tag, const Error& error) {
  if (tag == cmd_tag_) flush_updates();
  std::string out;
  pi::append_error_response(&out, tag, error);
  send(out);
}

bool ImapSession::auth_allowed() const { return conn_.secure() || conn_.listener().allow_plaintext_auth; }

std::string ImapSession::capabilities() const {
  // RFC 3501 §7.2.1; LITERAL+ is RFC 7888, SASL-IR RFC 4959.
  // RFC 2971 ID is valid in every state.
  std::string caps = "IMAP4rev1";
  if (imap4rev2_offered()) caps += " IMAP4rev2";  // RFC 9051 §7.2.2, with IMAP4rev1 (Appendix E)
  caps += " LITERAL+ SASL-IR ID";
  if (state_ == pi::kNotAuthenticated) {
    if (!conn_.tls_active() && conn_.listener().tls == TlsMode::starttls) caps += " STARTTLS";
    // RFC 3501 §6.2.3: LOGINDISABLED while plaintext credentials are refused.
    caps += auth_allowed() ? " AUTH=PLAIN AUTH=LOGIN" : " LOGINDISABLED";
  } else {
    caps += " COMPRESS=DEFLATE";  // RFC 4978 §3: after login only
    caps += " UIDPLUS MOVE UNSELECT";  // RFC 4315, RFC 6851, RFC 3691
    // RFC 2342, 5161, 3348, 6154 (both), XLIST (Gmail), 5258.
    caps += " NAMESPACE ENABLE CHILDREN SPECIAL-USE CREATE-SPECIAL-USE XLIST LIST-EXTENDED";
    caps += " CONDSTORE QRESYNC";  // RFC 7162
    // RFC 9208 QUOTA with both resources and SETQUOTA (for quota_admins);
    // RFC 8438 STATUS=SIZE, RFC 5819 LIST-STATUS, RFC 7889 APPENDLIMIT.
    caps += " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET STATUS=SIZE LIST-STATUS";
    caps += " APPENDLIMIT=" + std::to_string(conn_.server().config().limits.max_message_size);
    caps += " MULTIAPPEND REPLACE";  // RFC 3502, RFC 8508
    caps += " CATENATE URL-PARTIAL";  // RFC 4469 (local URLs), RFC 5550 §5 ;PARTIAL= in them
  }
  caps += " IDLE";  // RFC 2177
  if (state_ != pi::kNotAuthenticated) {
    // RFC 4731, 5256, 5957, 5267 ESORT; THREAD=REFS is draft-ietf-morg-inthread (as Dovecot).
    caps += " ESEARCH SORT SORT=DISPLAY ESORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES THREAD=REFS";
    caps += " WITHIN";  // RFC 5032
    caps += " SEARCHRES";  // RFC 5182
    caps += " CONTEXT=SEARCH CONTEXT=SORT";  // RFC 5267 §4
    caps += " PARTIAL";    // RFC 9394
    caps += " UTF8=ACCEPT";  // RFC 6855 (ENABLE, UTF-8 names, APPEND UTF8)
    caps += " METADATA METADATA-SERVER";  // RFC 5464
    caps += " BINARY";  // RFC 3516: FETCH BINARY[]/BINARY.SIZE, APPEND of literal8
    caps += " UNAUTHENTICATE";  // RFC 8437 §2: advertised once authenticated
    caps += " OBJECTID SAVEDATE PREVIEW";  // RFC 8474 (THREADID is NIL), RFC 8514, RFC 8970
    caps += " SEARCH=FUZZY";  // RFC 6203: FUZZY key, RELEVANCY return option and sort key
    caps += " NOTIFY";        // RFC 5465
  }
  return caps;
}

void ImapSession::on_open() {
  std::string greeting = conn_.server().config().hostname + " Loft ready.";
  reply(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::capability(capabilities()), greeting});
}

void ImapSession::on_data(std::string_view bytes) {
  input_.append(bytes);
  process();
  check_pipeline();
}

void ImapSession::check_pipeline() {
  // Only input that waits behind a running command, starting at a command
  // boundary (not inside an APPEND's message or a partly parsed command), and
  // only once it could hold that many commands ("a X\r\n" is 5 bytes).
  if (!busy_ || append_ || logged_out_ || conn_.closing() || parser_.buffered() != 0) return;
  if (input_.buffered() < pi::kMaxPipelinedCommands * 5) return;
  if (pi::count_pipelined_commands(input_.pending(), pi::kMaxPipelinedCommands) <= pi::kMaxPipelinedCommands) return;
  bye("Too many pipelined commands (more than " + std::to_string(pi::kMaxPipelinedCommands) + " waiting)");
  logged_out_ = true;  // nothing more is parsed; the running command may still answer
  conn_.close_after_flush();
}

void ImapSession::process() {
  // RFC 4469: CATENATE parts read from one line come out without new input.
  input_.run(
      conn_, [this](std::string_view* view) { return step(view); }, [this] { return parser_.has_pending(); });
  if (!compressed_input_.empty()) conn_.redecode_input(std::exchange(compressed_input_, {}));
}

bool ImapSession::step(std::string_view* view) {
  if (busy_ || logged_out_) return false;
  if (idle_tag_) return idle_step(view);
  if (sasl_tag_) {
    std::string line;
    auto st = parser_.read_line(view, &line);
    if (st == pi::Parser::LineStatus::need_more) return false;
    if (st == pi::Parser::LineStatus::too_long) {
      tagged(*sasl_tag_, pi::Status::bad, "SASL response too long");
      sasl_tag_.reset();
      return true;
    }
    continue_authenticate(std::move(line));
    return true;
  }
  pi::ParseEvent ev = parser_.feed(view);
  switch (ev.kind) {
    case pi::ParseEvent::Kind::need_more: return false;
    case pi::ParseEvent::Kind::need_literal:
      reply(pi::ContinuationResponse{"Ready for literal data"});  // RFC 3501 §7.5
      return true;
    case pi::ParseEvent::Kind::message_start: on_message_start(*ev.command); return true;
    case pi::ParseEvent::Kind::message_data: on_message_data(ev.data); return true;
    case pi::ParseEvent::Kind::message_end: on_message_end(); return true;
    case pi::ParseEvent::Kind::catenate_text: on_catenate_text(ev.literal_size, ev.literal_sync); return true;
    case pi::ParseEvent::Kind::catenate_url: on_catenate_url(ev.data); return true;
    case pi::ParseEvent::Kind::error:
      abort_append();
      tagged(ev.error.tag.empty() ? "*" : ev.error.tag, ev.error.refused ? pi::Status::no : pi::Status::bad,
             ev.error.message);
      if (ev.error.fatal) {
        reply(pi::StatusResponse{"*", pi::Status::bye, std::nullopt, "Fatal protocol error"});
        conn_.close_after_flush();
        return false;
      }
      return true;
    case pi::ParseEvent::Kind::command: break;
  }
  step_view_ = view;
  dispatch(*ev.command);
  step_view_ = nullptr;
  if (discard_input_) {  // RFC 3501 §6.2.1: plaintext after STARTTLS is dropped
    discard_input_ = false;
    *view = {};
  }
  if (compress_started_) {  // RFC 4978 §3: what follows is compressed (see process)
    compress_started_ = false;
    compressed_input_.assign(*view);
    *view = {};
    return false;
  }
  return true;
}

void ImapSession::dispatch(pi::Command& cmd) {
  const pi::CommandInfo& info = pi::command_info(cmd.body);
  if (!pi::allowed_in(info, state_)) {
    tagged(cmd.tag, pi::Status::bad,
           std::string(info.name) +
               (state_ == pi::kNotAuthenticated ? " is not allowed before login" : " is not allowed in this state"));
    return;
  }
  cmd_tag_ = cmd.tag;
  cmd_uses_msn_ = info.uses_msn;
  // LOGOUT's tagged OK follows its BYE (§6.1.3): nothing goes between.
  cmd_sends_updates_ = !std::holds_alternative<pi::CmdLogout>(cmd.body);
  std::visit([&](const auto& body) { handle(cmd.tag, body); }, cmd.body);
}

void ImapSession::flush_updates() {
  if (!cmd_sends_updates_) return;
  if (notifier_) {
    // RFC 5465: other mailboxes' events waited for this command to end.
    std::string out;
    notifier_->take(&out);
    if (!out.empty()) send(out);
  }
  MailboxView* v = view();
  if (!v) return;
  // RFC 3501 §5.5: no EXPUNGE while a command using sequence numbers runs,
  // nor when another command is already waiting (it may use the numbers the
  // client has now); it goes out after a later command or during IDLE.
  bool waiting = parser_.buffered() > 0 || (step_view_ ? !step_view_->empty() : input_.buffered() > 0);
  std::string out;
  write_updates(!cmd_uses_msn_ && !waiting, &out);
  if (!out.empty()) send(out);
}

void ImapSession::write_updates(bool allow_expunge, std::string* out) {
  MailboxView* v = view();
  SearchContexts* contexts = selected_->contexts.get();
  // RFC 5267 §4.3.4: a REMOVEFROM for expunged messages comes before their EXPUNGE.
  if (contexts && allow_expunge) contexts->before_expunge(v->unreported_expunges(), out);
  const size_t before = out->size();
  v->flush(allow_expunge, out);
  if (!contexts) return;
  if (out->size() > before) contexts->told();
  contexts->render(out);
}

SearchContexts& ImapSession::contexts() {
  Selected* sel = selected();
  if (!sel->contexts) sel->contexts = std::make_unique<SearchContexts>(*this, *sel->view);
  return *sel->contexts;
}

void ImapSession::context_updates_ready() {
  // §4.3.2: at any time; but not inside another command's responses (a
  // FETCH may be streaming), which flush them before their tagged reply.
  Selected* sel = selected();
  if (busy_ || logged_out_ || !sel || !sel->contexts) return;
  std::string out;
  sel->contexts->render(&out);
  if (!out.empty()) send(out);
}

void ImapSession::sync_mailbox(std::function<void()> next) {
  // A change this session made was published before its completion reached
  // this loop; hand it to the views now so it is reported with this command.
  conn_.loop().deliver_changes();
  flush_updates();
  next();
}

void ImapSession::finish() {
  busy_ = false;
  if (notifier_) notify_ready();
  process();
}

void ImapSession::on_drain() {
  if (fetch_) fetch_->on_drain();
  if (notifier_) notify_ready();  // RFC 5465 events held while the output was full
  process();  // commands held back by output backpressure go on
}

void ImapSession::bye(std::string_view text) { reply(pi::StatusResponse{"*", pi::Status::bye, std::nullopt, text}); }

void ImapSession::on_idle_timeout() { bye("Disconnected for inactivity."); }

void ImapSession::on_login_timeout() { bye("Login timeout."); }

void ImapSession::on_shutdown() { bye("Server shutting down."); }

void ImapSession::deselect() {
  selected_.reset();  // the view detaches from the shared index
  if (state_ == pi::kSelected) state_ = pi::kAuthenticated;
}

void ImapSession::set_state(pi::State state) {
  if ((state_ == pi::kNotAuthenticated) != (state == pi::kNotAuthenticated))
    parser_.set_limits(limits_from(conn_.server().config(), state != pi::kNotAuthenticated));
  state_ = state;
}

}  // namespace loft::server::imap

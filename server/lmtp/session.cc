#include "server/lmtp/session.h"

#include <ctime>

#include "base/log.h"
#include "protocol/lmtp/address.h"
#include "protocol/lmtp/command.h"
#include "protocol/lmtp/reply.h"
#include "server/connection.h"
#include "server/server.h"

namespace loft::server::lmtp {

namespace pl = proto::lmtp;

LmtpSession::LmtpSession(Connection& conn)
    : conn_(conn),
      lines_(conn.server().config().limits.max_line),
      data_(conn.server().config().limits.max_message_size) {}

void LmtpSession::reply(std::string line) { conn_.write(line); }

void LmtpSession::on_open() {
  reply("220 " + conn_.server().config().hostname + " LMTP Loft ready\r\n");
}

void LmtpSession::on_idle_timeout() { reply(pl::reply(421, "4.4.2", "Idle for too long, closing connection")); }

void LmtpSession::on_shutdown() { reply(pl::reply(421, "4.3.2", "Server shutting down")); }

void LmtpSession::on_data(std::string_view bytes) {
  input_.append(bytes);
  process();
}

void LmtpSession::process() {
  input_.run(conn_, [this](std::string_view* view) { return step(view); });
}

bool LmtpSession::step(std::string_view* view) {
  if (busy_ || quit_) return false;
  if (in_data_) {
    auto st = data_.feed(view, &body_);
    if (st == pl::DataReader::Status::need_more) return false;
    in_data_ = false;
    on_message_end(st == pl::DataReader::Status::too_big);
    return true;
  }
  auto st = lines_.read(view);
  if (st == pl::LineReader::Status::need_more) return false;
  if (st == pl::LineReader::Status::too_long) {
    reply(pl::reply(500, "5.5.2", "Line too long"));  // RFC 5321 §4.5.3.1.4
    return true;
  }
  handle_line(lines_.line());
  return true;
}

void LmtpSession::finish() {
  busy_ = false;
  process();
}

void LmtpSession::reset_transaction() {
  in_transaction_ = false;
  recipients_.clear();
  body_.clear();
  body_.shrink_to_fit();
}

void LmtpSession::handle_line(const std::string& line) {
  auto cmd = pl::parse_command(line);
  if (!cmd) {
    reply(pl::syntax_error_reply(line, cmd.error()));
    return;
  }
  switch (cmd->verb) {
    case pl::Verb::lhlo: {
      reset_transaction();
      greeted_ = true;
      const auto& cfg = conn_.server().config();
      reply(pl::lhlo_reply(cfg.hostname, {"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME",
                                          "SIZE " + std::to_string(cfg.limits.max_message_size)}));
      return;
    }
    case pl::Verb::helo:
    case pl::Verb::ehlo:  // RFC 2033 §4.1: an LMTP server must not accept them
      reply(pl::reply(500, "5.5.1", "This is LMTP: use LHLO"));
      return;
    case pl::Verb::mail: on_mail(*cmd); return;
    case pl::Verb::rcpt: on_rcpt(*cmd); return;
    case pl::Verb::data: on_data_command(); return;
    case pl::Verb::rset:
      reset_transaction();
      reply(pl::reply(250, "2.0.0", "OK"));
      return;
    case pl::Verb::noop: reply(pl::reply(250, "2.0.0", "OK")); return;
    case pl::Verb::vrfy:  // RFC 5321 §3.5.3: 252 when we will not verify
      reply(pl::reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
      return;
    case pl::Verb::help: reply(pl::reply(214, "2.0.0", "Commands: LHLO MAIL RCPT DATA RSET NOOP QUIT VRFY")); return;
    case pl::Verb::quit:
      reply(pl::reply(221, "2.0.0", "Bye"));
      quit_ = true;
      conn_.close_after_flush();
      return;
  }
}

void LmtpSession::on_mail(const pl::Command& cmd) {
  const auto& limits = conn_.server().config().limits;
  if (!greeted_) return reply(pl::reply(503, "5.5.1", "Send LHLO first"));
  if (in_transaction_) return reply(pl::reply(503, "5.5.1", "Nested MAIL command"));
  if (!cmd.other_params.empty())  // RFC 5321 §4.1.1.11
    return reply(pl::reply(555, "5.5.4", "Unsupported MAIL parameter " + cmd.other_params.front().keyword));
  if (cmd.size && *cmd.size > limits.max_message_size)  // RFC 1870 §6.2
    return reply(pl::reply(552, "5.3.4", "Message size exceeds fixed maximum message size"));
  in_transaction_ = true;
  reply(pl::reply(250, "2.1.0", "OK"));
}

void LmtpSession::on_rcpt(const pl::Command& cmd) {
  const Config& cfg = conn_.server().config();
  if (!in_transaction_) return reply(pl::reply(503, "5.5.1", "MAIL needed first"));
  if (!cmd.other_params.empty())
    return reply(pl::reply(555, "5.5.4", "Unsupported RCPT parameter " + cmd.other_params.front().keyword));
  if (recipients_.size() >= cfg.limits.max_recipients)  // RFC 5321 §4.5.3.1.8
    return reply(pl::reply(452, "4.5.3", "Too many recipients"));
  auto name = pl::local_account(cmd.path, cfg.local_domains);
  if (!name) return reply(pl::reply(550, "5.1.2", "<" + cmd.path + "> Domain is not served here"));
  busy_ = true;
  auto found = std::make_shared<Result<storage::Account>>(Error{Errc::internal, "not looked up"});
  conn_.offload([this, found, account = *name] { *found = conn_.server().store().find_account(account); },
                [this, found, path = cmd.path] {
                  if (found->ok()) {
                    recipients_.push_back({(*found)->id, (*found)->name});
                    reply(pl::reply(250, "2.1.5", "OK"));
                  } else if (found->error().code == Errc::not_found) {
                    reply(pl::reply(550, "5.1.1", "<" + path + "> User doesn't exist"));
                  } else {
                    reply(pl::error_reply(found->error()));
                  }
                  finish();
                });
}

void LmtpSession::on_data_command() {
  if (!in_transaction_) return reply(pl::reply(503, "5.5.1", "MAIL needed first"));
  // RFC 2033 §4.2: with no accepted recipient, DATA gets 503.
  if (recipients_.empty()) return reply(pl::reply(503, "5.5.1", "No valid recipients"));
  data_.reset(conn_.server().config().limits.max_message_size);
  body_.clear();
  in_data_ = true;
  reply(pl::reply(354, "", "Start mail input; end with <CRLF>.<CRLF>"));
}

void LmtpSession::on_message_end(bool too_big) {
  if (too_big) {
    // RFC 2033 §4.2: one reply for each recipient that RCPT accepted.
    for (size_t i = 0; i < recipients_.size(); ++i)
      reply(pl::reply(552, "5.3.4", "Message size exceeds fixed maximum message size"));
    reset_transaction();
    return;
  }
  busy_ = true;
  auto accounts = std::make_shared<std::vector<storage::AccountId>>();
  for (const auto& r : recipients_) accounts->push_back(r.account);
  auto result = std::make_shared<Result<std::vector<storage::DeliveredCopy>>>(std::vector<storage::DeliveredCopy>{});
  auto body = std::make_shared<std::string>(std::move(body_));
  conn_.offload(
      [this, accounts, result, body] {
        // Returns only once the batch holding this message is synced to disk.
        *result = conn_.server().store().deliver(*body, *accounts, static_cast<int64_t>(std::time(nullptr)));
      },
      [this, result, body] {
        if (result->ok()) {
          const auto& copies = result->value();
          for (size_t i = 0; i < recipients_.size(); ++i) {
            uint32_t uid = i < copies.size() ? copies[i].uid : 0;
            reply(pl::reply(250, "2.0.0", "<" + recipients_[i].name + "> Saved as UID " + std::to_string(uid)));
          }
          log_info("lmtp: delivered ", body->size(), " bytes to ", recipients_.size(), " recipient(s)");
        } else {
          log_warn("lmtp: delivery failed: ", result->error().message);
          for (size_t i = 0; i < recipients_.size(); ++i) reply(pl::error_reply(result->error()));
        }
        reset_transaction();
        finish();
      });
}

}  // namespace loft::server::lmtp

#include "server/lmtp/session.h"

#include <atomic>
#include <cstdio>
#include <ctime>

#include "base/log.h"
#include "protocol/lmtp/address.h"
#include "protocol/lmtp/command.h"
#include "protocol/lmtp/reply.h"
#include "protocol/lmtp/trace.h"
#include "server/connection.h"
#include "server/server.h"

namespace loft::server::lmtp {

namespace pl = proto::lmtp;

namespace {
// DATA is fed to the reader in slices of this size (kBodyFlushBytes in session.h).
constexpr size_t kFeedBytes = 64 * 1024;
}  // namespace

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
  if (in_bdat_) return step_bdat(view);
  if (in_data_) {
    std::string_view part = view->substr(0, kFeedBytes);
    const size_t offered = part.size();
    auto st = data_.feed(&part, &body_);
    view->remove_prefix(offered - part.size());
    if (st == pl::DataReader::Status::need_more) {
      if (body_.size() >= kBodyFlushBytes) flush_body();
      return true;  // busy_ holds further input while the chunk is written
    }
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
  reverse_path_.clear();
  declared_size_.reset();
  body_type_ = pl::Body::unspecified;
  smtputf8_ = false;
  chunking_ = bdat_last_ = bdat_too_big_ = false;
  bdat_size_ = 0;
  recipients_.clear();
  body_.clear();
  body_.shrink_to_fit();
  writer_.reset();  // spent by deliver, or dropped with what it wrote
  write_error_.reset();
}

void LmtpSession::flush_body() {
  if (write_error_) {  // the rest of the message is read and dropped
    body_.clear();
    return;
  }
  busy_ = true;
  auto bytes = std::make_shared<std::string>(std::move(body_));
  body_.clear();
  auto result = std::make_shared<Result<void>>();
  conn_.offload([this, bytes, result] { *result = writer_->write(*bytes); },
                [this, result] {
                  if (!result->ok()) write_error_ = result->error();
                  finish();
                });
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
      lhlo_ = cmd->argument;
      const auto& cfg = conn_.server().config();
      // RFC 2920, 2034, 6152, 1870, 3030 (CHUNKING, BINARYMIME), 6531.
      reply(pl::lhlo_reply(cfg.hostname, {"PIPELINING", "ENHANCEDSTATUSCODES", "8BITMIME",
                                          "SIZE " + std::to_string(cfg.limits.max_message_size), "CHUNKING",
                                          "BINARYMIME", "SMTPUTF8"}));
      return;
    }
    case pl::Verb::helo:
    case pl::Verb::ehlo:  // RFC 2033 §4.1: an LMTP server must not accept them
      reply(pl::reply(500, "5.5.1", "This is LMTP: use LHLO"));
      return;
    case pl::Verb::mail: on_mail(*cmd); return;
    case pl::Verb::rcpt: on_rcpt(*cmd); return;
    case pl::Verb::data: on_data_command(); return;
    case pl::Verb::bdat: on_bdat(*cmd); return;
    case pl::Verb::rset:
      reset_transaction();
      reply(pl::reply(250, "2.0.0", "OK"));
      return;
    case pl::Verb::noop: reply(pl::reply(250, "2.0.0", "OK")); return;
    case pl::Verb::vrfy:  // RFC 5321 §3.5.3: 252 when we will not verify
      reply(pl::reply(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"));
      return;
    case pl::Verb::help: reply(pl::reply(214, "2.0.0", "Commands: LHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY")); return;
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
  reverse_path_ = cmd.path;
  declared_size_ = cmd.size;
  body_type_ = cmd.body;
  smtputf8_ = cmd.smtputf8;
  reply(pl::reply(250, "2.1.0", "OK"));
}

void LmtpSession::on_data_command() {
  if (!in_transaction_) return reply(pl::reply(503, "5.5.1", "MAIL needed first"));
  // RFC 2033 §4.2: with no accepted recipient, DATA gets 503.
  if (recipients_.empty()) return reply(pl::reply(503, "5.5.1", "No valid recipients"));
  // RFC 3030 §3: BINARYMIME content and a started BDAT transaction need BDAT.
  if (body_type_ == pl::Body::binary_mime) return reply(pl::reply(503, "5.5.1", "BODY=BINARYMIME requires BDAT"));
  if (chunking_) return reply(pl::reply(503, "5.5.1", "DATA after BDAT: send BDAT or RSET"));
  begin_message([this] {
    data_.reset(conn_.server().config().limits.max_message_size);
    in_data_ = true;
    reply(pl::reply(354, "", "Start mail input; end with <CRLF>.<CRLF>"));
  });
}

void LmtpSession::begin_message(std::function<void()> ready) {
  busy_ = true;
  auto writer = std::make_shared<Result<std::unique_ptr<storage::BodyWriter>>>(Error{Errc::internal, "not begun"});
  conn_.offload([this, writer] { *writer = conn_.server().store().begin_body(); },
                [this, writer, ready = std::move(ready)] {
                  if (!writer->ok()) {
                    log_warn("lmtp: cannot start a body: ", writer->error().message);
                    reply(pl::error_reply(writer->error()));
                  } else {
                    writer_ = std::make_unique<IngestBody>(std::move(writer->value()));
                    body_ = trace_prefix();  // stored (and parsed) ahead of the message's own bytes
                    ready();
                  }
                  finish();
                });
}

std::string LmtpSession::trace_prefix() const {
  const Config& cfg = conn_.server().config();
  if (!cfg.lmtp.trace_headers) return {};
  static std::atomic<uint64_t> serial{0};
  pl::TraceInfo t;
  t.reverse_path = reverse_path_;
  t.lhlo = lhlo_;
  if (!conn_.listener().is_unix) t.peer_ip = conn_.peer_address();
  t.hostname = cfg.hostname;
  t.time = static_cast<int64_t>(std::time(nullptr));
  char id[40];
  std::snprintf(id, sizeof id, "%llx.%llx", static_cast<unsigned long long>(t.time),
                static_cast<unsigned long long>(serial.fetch_add(1, std::memory_order_relaxed)));
  t.id = id;
  if (recipients_.size() == 1) t.recipient = recipients_.front().path;
  if (smtputf8_) t.protocol = "UTF8LMTP";  // RFC 6531 §3.7.3
  return pl::trace_headers(t);
}

void LmtpSession::on_message_end(bool too_big) {
  busy_ = true;
  if (too_big || write_error_) {
    // RFC 2033 §4.2: one reply for each recipient that RCPT accepted.
    for (size_t i = 0; i < recipients_.size(); ++i) {
      if (too_big) reply(pl::reply(552, "5.3.4", "Message size exceeds fixed maximum message size"));
      else reply(pl::error_reply(*write_error_));
    }
    if (write_error_) log_warn("lmtp: storing a body failed: ", write_error_->message);
    // Removing the chunks written so far is store I/O: a worker's job.
    auto writer = std::shared_ptr<IngestBody>(std::move(writer_));
    conn_.offload([writer]() mutable { writer.reset(); }, [this] {
      reset_transaction();
      finish();
    });
    return;
  }
  // Each account once: the recipients naming it share its outcome.
  auto plan = std::make_shared<DeliveryPlan>(plan_delivery(recipients_, static_cast<int64_t>(std::time(nullptr))));
  auto targets = std::shared_ptr<std::vector<storage::DeliveryTarget>>(plan, &plan->targets);
  using Outcomes = Result<std::vector<storage::DeliveryOutcome>>;
  auto result = std::make_shared<Outcomes>(std::vector<storage::DeliveryOutcome>{});
  auto tail = std::make_shared<std::string>(std::move(body_));
  body_.clear();
  auto size = std::make_shared<uint64_t>(0);
  // The writer goes to the store with the request; the session keeps none.
  auto writer = std::make_shared<std::unique_ptr<IngestBody>>(std::move(writer_));
  // A worker writes the last chunk and queues the commit; it does not wait
  // for the fsync. The replies go out on this loop once the batch is durable.
  conn_.offload_async(
      [this, targets, result, tail, size, writer](std::function<void()> finished) {
        if (auto w = (*writer)->write(*tail); !w) {
          *result = w.error();
          writer->reset();  // removes the chunks written so far
          finished();
          return;
        }
        *size = (*writer)->size();
        (*writer)->finish();  // the MIME structure is stored with the body
        conn_.server().store().deliver_async((*writer)->release(), *targets,
                                             [result, finished = std::move(finished)](Outcomes outcomes) {
                                               *result = std::move(outcomes);
                                               finished();
                                             });
      },
      [this, result, size, plan] {
        const uint64_t bytes = *size;
        if (result->ok() && result->value().size() == plan->targets.size()) {
          // RFC 2033 §4.2: each recipient gets its own outcome.
          const auto& outcomes = result->value();
          for (size_t i = 0; i < recipients_.size(); ++i)
            reply(recipient_reply(recipients_[i], plan->of_recipient[i], *plan, outcomes));
          LogEvent(LogLevel::info, "lmtp", "deliver").session(conn_.id()).remote(conn_.peer()).field("bytes", bytes)
              .field("recipients", recipients_.size());
        } else {
          const Error e = result->ok() ? Error{Errc::internal, "wrong number of outcomes"} : result->error();
          LogEvent(LogLevel::warn, "lmtp", "deliver").session(conn_.id()).remote(conn_.peer())
              .field("result", "failed").field("error", e.message);
          for (size_t i = 0; i < recipients_.size(); ++i) reply(pl::error_reply(e));
        }
        reset_transaction();
        finish();
      });
}

}  // namespace loft::server::lmtp

// The POP3 TRANSACTION state (RFC 1939 §5, §7) over the login snapshot, and
// QUIT, which in TRANSACTION enters UPDATE and expunges the marked messages.
#include "base/log.h"
#include "protocol/pop3/response.h"
#include "server/connection.h"
#include "server/pop3/retr_job.h"
#include "server/pop3/session.h"
#include "server/server.h"

namespace loft::server::pop3 {

namespace pp = proto::pop3;

std::pair<size_t, uint64_t> Pop3Session::totals() const {
  size_t count = 0;
  uint64_t size = 0;
  for (const auto& m : messages_) {
    if (m.deleted) continue;  // RFC 1939 §5 STAT: deleted messages are not counted
    ++count;
    size += m.size;
  }
  return {count, size};
}

Pop3Session::Message* Pop3Session::lookup(std::optional<uint32_t> msg) {
  if (!msg || *msg == 0 || *msg > messages_.size() || messages_[*msg - 1].deleted) {
    send(pp::err("no such message"));
    return nullptr;
  }
  return &messages_[*msg - 1];
}

std::string Pop3Session::unique_id(const Message& m) const {
  return std::to_string(mailbox_.uidvalidity) + "." + std::to_string(m.uid);
}

void Pop3Session::on_stat() {
  auto [count, size] = totals();
  send(pp::ok(std::to_string(count) + " " + std::to_string(size)));  // RFC 1939 §5 drop listing
}

void Pop3Session::on_list(const pp::Command& cmd) {
  if (cmd.msg) {
    if (const Message* m = lookup(cmd.msg)) send(pp::ok(std::to_string(*cmd.msg) + " " + std::to_string(m->size)));
    return;
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < messages_.size(); ++i)
    if (!messages_[i].deleted) lines.push_back(std::to_string(i + 1) + " " + std::to_string(messages_[i].size));
  auto [count, size] = totals();
  send(pp::multiline(std::to_string(count) + " messages (" + std::to_string(size) + " octets)", lines));
}

void Pop3Session::on_uidl(const pp::Command& cmd) {
  if (cmd.msg) {
    if (const Message* m = lookup(cmd.msg)) send(pp::ok(std::to_string(*cmd.msg) + " " + unique_id(*m)));
    return;
  }
  std::vector<std::string> lines;
  for (size_t i = 0; i < messages_.size(); ++i)
    if (!messages_[i].deleted) lines.push_back(std::to_string(i + 1) + " " + unique_id(messages_[i]));
  send(pp::multiline("", lines));
}

void Pop3Session::on_retr(const pp::Command& cmd) {
  const Message* m = lookup(cmd.msg);
  if (!m) return;
  const bool top = cmd.verb == pp::Verb::top;
  busy_ = true;
  retr_ = std::make_unique<RetrJob>(*this, mailbox_.id, m->uid, top, cmd.lines);
  retr_->start();
}

void Pop3Session::on_dele(const pp::Command& cmd) {
  if (cmd.msg && *cmd.msg >= 1 && *cmd.msg <= messages_.size() && messages_[*cmd.msg - 1].deleted) {
    send(pp::err("message " + std::to_string(*cmd.msg) + " already deleted"));  // RFC 1939 §5 DELE
    return;
  }
  Message* m = lookup(cmd.msg);
  if (!m) return;
  m->deleted = true;  // removed only in the UPDATE state
  send(pp::ok("message " + std::to_string(*cmd.msg) + " deleted"));
}

void Pop3Session::on_rset() {
  for (auto& m : messages_) m.deleted = false;
  auto [count, size] = totals();
  send(pp::ok("maildrop has " + std::to_string(count) + " messages (" + std::to_string(size) + " octets)"));
}

void Pop3Session::on_quit() {
  quit_ = true;  // nothing after QUIT is read
  if (state_ != State::transaction) {
    // RFC 1939 §4: QUIT in AUTHORIZATION ends the session, nothing to update.
    send(pp::ok("Loft POP3 server signing off."));
    conn_.close_after_flush();
    return;
  }
  // RFC 1939 §6: the UPDATE state removes the marked messages, then replies.
  state_ = State::update;
  auto uids = std::make_shared<std::vector<uint32_t>>();
  for (const auto& m : messages_)
    if (m.deleted) uids->push_back(m.uid);
  if (uids->empty()) {
    send(pp::ok("Loft POP3 server signing off."));
    conn_.close_after_flush();
    return;
  }
  busy_ = true;
  auto result = std::make_shared<Result<std::vector<uint32_t>>>(std::vector<uint32_t>{});
  const storage::MailboxId mailbox = mailbox_.id;
  // The expunge is committed asynchronously: no worker waits for the fsync,
  // and the answer goes out on this loop once the batch is durable.
  conn_.offload_async(
      [this, uids, result, mailbox](std::function<void()> finished) {
        store().expunge_async(mailbox, *uids, [result, finished = std::move(finished)](Result<std::vector<uint32_t>> r) {
          *result = std::move(r);
          finished();
        });
      },
      [this, uids, result] {
        if (result->ok()) {
          // Durable now; a message another session removed first is simply absent.
          LogEvent(LogLevel::info, "pop3", "expunge").session(conn_.id()).remote(conn_.peer()).user(account_->name)
              .field("messages", (*result)->size());
          send(pp::ok("Loft POP3 server signing off (" + std::to_string(uids->size()) +
                      " messages deleted)."));
        } else {
          LogEvent(LogLevel::warn, "pop3", "expunge").session(conn_.id()).remote(conn_.peer()).user(account_->name)
              .field("result", "failed").field("error", result->error().message);
          send(pp::error_response(
              Error{result->error().code, "Some deleted messages not removed: " + result->error().message}));
        }
        conn_.close_after_flush();
        finish();
      });
}

}  // namespace loft::server::pop3

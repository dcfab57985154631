// One POP3 session (RFC 1939) with CAPA and response codes (RFC 2449), STLS
// (RFC 2595) and AUTH PLAIN / LOGIN (RFC 5034), one session per maildrop
// (-ERR [IN-USE], maildrop_lock.h). The maildrop is the account's INBOX
// as it was at login: a numbered snapshot (uid, size) that later deliveries
// do not change (RFC 1939 §8). DELE only marks; QUIT expunges the marked
// messages durably (the UPDATE state, §6). Commands run one at a time in the
// order received; pipelined input (RFC 2449 §6.6) waits in a buffer while a
// command waits for a worker. auth.cc and transaction.cc hold the handlers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/lmtp/line_reader.h"
#include "protocol/pop3/command.h"
#include "server/input_queue.h"
#include "server/session.h"
#include "storage/store.h"

namespace loft::server {

class Connection;

namespace pop3 {

class RetrJob;

class Pop3Session final : public Session {
 public:
  explicit Pop3Session(Connection& conn);
  ~Pop3Session() override;

  void on_open() override;
  void on_data(std::string_view bytes) override;
  void on_drain() override;
  void on_idle_timeout() override;
  void on_shutdown() override;
  void on_login_timeout() override;
  bool busy() const override { return busy_; }
  bool authenticated() const override { return state_ != State::authorization; }

  // --- used by RetrJob ---
  Connection& conn() { return conn_; }
  storage::Store& store();
  // Appends bytes to the output (flushed before the loop sleeps).
  void send(std::string_view bytes);
  // Ends the command in progress (dropping a finished RetrJob) and goes on
  // with buffered input.
  void finish();

  // One message of the snapshot; message number n is messages_[n - 1].
  struct Message {
    uint32_t uid = 0;
    uint64_t size = 0;
    bool deleted = false;  // DELE marked it; RSET unmarks (RFC 1939 §5)
  };

 private:
  enum class State { authorization, transaction, update };

  void process();
  // Reads and runs at most one command line; false to stop for now.
  bool step(std::string_view* view);
  void handle_line(const std::string& line);
  void dispatch(const proto::pop3::Command& cmd);

  // auth.cc: the AUTHORIZATION state (RFC 1939 §4, §7; RFC 5034; RFC 2595).
  bool auth_allowed() const;
  void on_capa();
  void on_stls();
  void on_user(const proto::pop3::Command& cmd);
  void on_pass(const proto::pop3::Command& cmd);
  void on_auth(const proto::pop3::Command& cmd);
  void continue_auth(const std::string& line);
  // Checks the password on a worker and, if it matches, loads the maildrop
  // snapshot there too; then enters TRANSACTION or answers -ERR.
  void authenticate(std::string user, std::string password);

  // transaction.cc: the TRANSACTION and UPDATE states (RFC 1939 §5, §6).
  // The message numbered msg, or nullptr after replying "-ERR no such message"
  // (absent, out of range or marked deleted).
  Message* lookup(std::optional<uint32_t> msg);
  // RFC 1939 §7 UIDL: "<uidvalidity>.<uid>", stable for as long as the
  // message exists since UIDVALIDITY of an INBOX never changes.
  std::string unique_id(const Message& m) const;
  void on_stat();
  void on_list(const proto::pop3::Command& cmd);
  void on_uidl(const proto::pop3::Command& cmd);
  void on_retr(const proto::pop3::Command& cmd);
  void on_dele(const proto::pop3::Command& cmd);
  void on_rset();
  void on_quit();
  // Count and total size of the messages not marked deleted.
  std::pair<size_t, uint64_t> totals() const;

  Connection& conn_;
  proto::lmtp::LineReader lines_;
  InputQueue input_;              // received, not yet consumed
  State state_ = State::authorization;
  bool busy_ = false;             // a command waits for a worker or streams
  bool quit_ = false;             // QUIT answered: ignore further input
  bool discard_input_ = false;    // STLS: drop the plaintext pipelined after it
  bool sasl_pending_ = false;     // AUTH sent "+ ...", the next line is the response
  bool sasl_login_ = false;       // the exchange is AUTH LOGIN (user, then password)
  std::optional<std::string> sasl_user_;  // AUTH LOGIN: the user name given
  std::optional<storage::AccountId> locked_;  // the maildrop this session holds (IN-USE for others)
  std::optional<std::string> user_;  // USER given, PASS awaited
  std::optional<storage::Account> account_;
  storage::MailboxInfo mailbox_;   // the INBOX at login (id, UIDVALIDITY)
  std::vector<Message> messages_;  // the snapshot
  std::unique_ptr<RetrJob> retr_;  // the RETR/TOP being streamed
  friend class RetrJob;
};

}  // namespace pop3
}  // namespace loft::server

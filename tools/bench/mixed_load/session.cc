// mixed_load: the IMAP side of Client: reading a reply's lines and the steps of
// imap_mixed.py's session() (LOGIN, SELECT, the mix, APPEND/NOOP/STORE/EXPUNGE, LOGOUT).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "client.h"
#include "mix.h"

namespace mixed_load {

namespace {

constexpr uint64_t kMaxLiteralBytes = uint64_t{64} << 20;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string_view without_crlf(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// N of a line ending in "{N}" or "{N+}" (so also "~{N}"): N literal bytes follow;
// -1 when the line announces none. Too many digits read as more than the cap.
int64_t literal_size(std::string_view line) {
  line = without_crlf(line);
  if (line.empty() || line.back() != '}') return -1;
  line.remove_suffix(1);
  if (!line.empty() && line.back() == '+') line.remove_suffix(1);
  size_t digits = 0;
  while (digits < line.size() && is_digit(line[line.size() - 1 - digits])) ++digits;
  if (digits == 0 || digits == line.size() || line[line.size() - 1 - digits] != '{') return -1;
  if (digits > 15) return static_cast<int64_t>(kMaxLiteralBytes) + 1;
  int64_t n = 0;
  for (const char c : line.substr(line.size() - digits)) n = n * 10 + (c - '0');
  return n;
}

// N of an untagged "* N EXISTS" (imap_mixed.py's _EXISTS), -1 for any other line.
int64_t exists_count(std::string_view line) {
  if (line.substr(0, 2) != "* ") return -1;
  size_t end = 2;
  int64_t n = 0;
  while (end < line.size() && end < 12 && is_digit(line[end])) n = n * 10 + (line[end++] - '0');
  if (end == 2 || line.substr(end, 7) != " EXISTS") return -1;
  return n;
}

}  // namespace

void Client::handle_line(std::string_view line) {
  if (phase_ == Phase::kGreeting) {
    if (line.substr(0, 4) != "* OK")
      return fail("ProtocolError: greeting " + std::string(without_crlf(line.substr(0, 200))));
    return send("LOGIN " + user_ + " \"" + config_.password + "\"", Step::kLogin);
  }
  const int64_t literal = literal_size(line);
  if (literal >= 0) {
    if (static_cast<uint64_t>(literal) > kMaxLiteralBytes)
      return fail("ProtocolError: a literal of more than 64 MiB: " +
                  std::string(without_crlf(line.substr(0, 200))));
    literal_left_ = static_cast<uint64_t>(literal);
    return;
  }
  if (phase_ == Phase::kContinuation && line.substr(0, 1) == "+") {  // the server takes the APPEND literal
    output_ += config_.append_message;
    output_ += "\r\n";
    phase_ = Phase::kReply;
    return;
  }
  if (line.substr(0, tag_.size()) == tag_) {
    const std::string_view rest = without_crlf(line.substr(tag_.size()));
    const size_t space = rest.find(' ');
    std::string status(rest.substr(0, space));
    for (char& c : status) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    return on_tagged(status, space == std::string_view::npos ? std::string_view() : rest.substr(space + 1));
  }
  reply_exists_ = std::max(reply_exists_, exists_count(line));
}

void Client::on_tagged(std::string_view status, std::string_view text) {
  const double seconds = std::chrono::duration<double>(Clock::now() - sent_at_).count();
  switch (step_) {
    case Step::kLogin:
      stats_.add("LOGIN", status, seconds);
      if (status != "OK") return fail("LOGIN " + user_ + ": " + std::string(status) + " " + std::string(text));
      return send("SELECT INBOX", Step::kSelect);
    case Step::kSelect:
      stats_.add("SELECT", status, seconds);
      if (status != "OK") return fail("SELECT: " + std::string(status) + " " + std::string(text));
      exists_ = static_cast<uint32_t>(
          std::clamp<int64_t>(reply_exists_, 0, std::numeric_limits<uint32_t>::max()));
      commands_left_ = std::uniform_int_distribution<uint32_t>(20, 100)(rng_);
      return next_mix_command();
    case Step::kMix:
      stats_.add(mix_name_, status, seconds);
      return next_mix_command();
    case Step::kAppend:
      stats_.add("APPEND", status, seconds);
      if (status != "OK") return next_mix_command();
      return send("NOOP", Step::kNoop);
    case Step::kNoop: {
      stats_.add("NOOP", status, seconds);
      // the appended message's number; exists_ itself is not updated (as in session())
      const int64_t now = reply_exists_ >= 0 ? reply_exists_ : int64_t{exists_} + 1;
      if (now <= int64_t{exists_}) return next_mix_command();
      return send("STORE " + std::to_string(now) + " +FLAGS.SILENT (\\Deleted)", Step::kStoreDeleted);
    }
    case Step::kStoreDeleted:
      stats_.add("STORE", status, seconds);
      return send("EXPUNGE", Step::kExpunge);
    case Step::kExpunge:
      stats_.add("EXPUNGE", status, seconds);
      return next_mix_command();
    case Step::kLogout:
      stats_.add("LOGOUT", status, seconds);
      close_connection();
      if (Clock::now() < config_.deadline) return connect();  // the next session
      phase_ = Phase::kFinished;
      return;
  }
}

void Client::next_mix_command() {
  if (commands_left_ == 0 || Clock::now() > config_.deadline || exists_ == 0)
    return send("LOGOUT", Step::kLogout);
  --commands_left_;
  const MixCommand command = draw_mix_command(rng_, exists_);
  if (command.op == MixOp::kAppendExpunge) {
    // a synchronising literal: the message follows the server's "+" (handle_line)
    send(command.text + " {" + std::to_string(config_.append_message.size()) + "}", Step::kAppend);
    phase_ = Phase::kContinuation;
    return;
  }
  mix_name_ = command.name;
  send(command.text, Step::kMix);
}

void Client::send(std::string_view text, Step step) {
  tag_ = "a" + std::to_string(++tag_number_) + " ";
  output_ += tag_;
  output_ += text;
  output_ += "\r\n";
  step_ = step;
  phase_ = Phase::kReply;
  reply_exists_ = -1;
  sent_at_ = Clock::now();
  wait_deadline_ = sent_at_ + config_.timeout;
}

}  // namespace mixed_load

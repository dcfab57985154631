#include "protocol/pop3/command.h"

#include <array>
#include <vector>

#include "base/bytes.h"

namespace loft::proto::pop3 {

namespace {

struct VerbName {
  Verb verb;
  const char* name;
};
constexpr std::array<VerbName, 15> kVerbs{{
    {Verb::user, "USER"}, {Verb::pass, "PASS"}, {Verb::apop, "APOP"}, {Verb::auth, "AUTH"},
    {Verb::stat, "STAT"}, {Verb::list, "LIST"}, {Verb::uidl, "UIDL"}, {Verb::retr, "RETR"},
    {Verb::top, "TOP"},   {Verb::dele, "DELE"}, {Verb::noop, "NOOP"}, {Verb::rset, "RSET"},
    {Verb::quit, "QUIT"}, {Verb::capa, "CAPA"}, {Verb::stls, "STLS"},
}};

Error bad(std::string text) { return make_error(Errc::bad_input, std::move(text)); }

// Splits on runs of spaces (lenient: RFC 1939 asks for exactly one).
std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// A decimal number of 1 to 20 digits, saturating at UINT32_MAX; RFC 1939 §3
// "msg" and "n" are plain decimal numbers (no sign).
std::optional<uint32_t> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v <= UINT32_MAX) v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v);
}

bool has_control(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  return false;
}

}  // namespace

const char* verb_name(Verb verb) {
  for (const auto& v : kVerbs)
    if (v.verb == verb) return v.name;
  return "?";
}

Result<Command> parse_command(std::string_view line) {
  size_t sp = line.find(' ');
  std::string_view keyword = line.substr(0, sp);
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  Command cmd;
  bool known = false;
  for (const auto& v : kVerbs) {
    if (iequals(keyword, v.name)) {
      cmd.verb = v.verb;
      known = true;
      break;
    }
  }
  if (!known) return bad(keyword.empty() ? "Empty command." : "Unknown command.");

  // PASS keeps the rest of the line verbatim: RFC 1939 §7 lets a password
  // contain spaces.
  if (cmd.verb == Verb::pass) {
    if (rest.empty()) return bad("PASS needs a password.");
    if (rest.size() > kMaxPasswordLength) return bad("Password too long.");
    cmd.arg = std::string(rest);
    return cmd;
  }

  std::vector<std::string_view> args = split_words(rest);
  auto arity = [&](size_t min, size_t max) -> std::optional<Error> {
    if (args.size() < min) return bad(std::string(verb_name(cmd.verb)) + ": missing argument.");
    if (args.size() > max) return bad(std::string(verb_name(cmd.verb)) + ": too many arguments.");
    return std::nullopt;
  };
  auto number = [&](size_t i, uint32_t* out) -> std::optional<Error> {
    auto n = parse_number(args[i]);
    if (!n) return bad("Invalid message number.");
    *out = *n;
    return std::nullopt;
  };

  switch (cmd.verb) {
    case Verb::user:
      if (auto e = arity(1, 1)) return *e;
      if (args[0].size() > kMaxUserLength) return bad("User name too long.");
      if (has_control(args[0])) return bad("Invalid user name.");
      cmd.arg = std::string(args[0]);
      return cmd;
    case Verb::apop:  // parsed so that the session can refuse it by name
      if (auto e = arity(2, 2)) return *e;
      return cmd;
    case Verb::auth:
      if (auto e = arity(0, 2)) return *e;
      if (args.empty()) return cmd;
      if (args[0].size() > kMaxMechanismLength) return bad("Unsupported authentication mechanism.");
      cmd.arg = std::string(args[0]);  // SASL mechanism names are upper-case (RFC 4422 §3.1)
      for (char& c : cmd.arg)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      if (args.size() == 2) {
        if (args[1].size() > kMaxSaslResponseLength) return bad("Initial response too long.");
        cmd.initial_response = std::string(args[1]);
      }
      return cmd;
    case Verb::list:
    case Verb::uidl:
      if (auto e = arity(0, 1)) return *e;
      if (args.size() == 1) {
        uint32_t n = 0;
        if (auto e = number(0, &n)) return *e;
        cmd.msg = n;
      }
      return cmd;
    case Verb::retr:
    case Verb::dele: {
      if (auto e = arity(1, 1)) return *e;
      uint32_t n = 0;
      if (auto e = number(0, &n)) return *e;
      cmd.msg = n;
      return cmd;
    }
    case Verb::top: {
      if (auto e = arity(2, 2)) return *e;
      uint32_t n = 0;
      if (auto e = number(0, &n)) return *e;
      cmd.msg = n;
      auto lines = parse_number(args[1]);
      if (!lines) return bad("Invalid number of lines.");
      cmd.lines = *lines;
      return cmd;
    }
    case Verb::stat:
    case Verb::noop:
    case Verb::rset:
    case Verb::quit:
    case Verb::capa:
    case Verb::stls:
    case Verb::pass:
      if (auto e = arity(0, 0)) return *e;
      return cmd;
  }
  return bad("Unknown command.");
}

}  // namespace loft::proto::pop3

// POP3 command parsing (RFC 1939 §3-§7, RFC 2449 CAPA, RFC 2595 STLS,
// RFC 5034 AUTH). Pure: one command line in (without its CRLF), a typed
// Command or an Error whose message is the text of the "-ERR" reply out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"

namespace loft::proto::pop3 {

enum class Verb { user, pass, apop, auth, stat, list, uidl, retr, top, dele, noop, rset, quit, capa, stls };

// Argument bounds. RFC 1939 §3 allows 40 characters per argument; we are
// more lenient, but nothing unbounded is ever kept.
inline constexpr size_t kMaxUserLength = 255;
inline constexpr size_t kMaxPasswordLength = 1024;
inline constexpr size_t kMaxMechanismLength = 20;  // RFC 4422 §3.1
inline constexpr size_t kMaxSaslResponseLength = 8192;

struct Command {
  Verb verb = Verb::noop;
  // USER: the name; PASS: the password (the rest of the line, spaces kept,
  // RFC 1939 §7); AUTH: the mechanism upper-cased (empty: list mechanisms).
  std::string arg;
  std::optional<std::string> initial_response;  // AUTH: RFC 5034 §4, "=" for empty
  // The message number of LIST/UIDL (optional), RETR/TOP/DELE (required).
  // Not range-checked: 0 or a too-large number is "no such message".
  std::optional<uint32_t> msg;
  uint32_t lines = 0;  // TOP: body lines; saturates at UINT32_MAX
};

// Parses one line. Keywords are case-insensitive (RFC 1939 §3); arguments
// are separated by one or more spaces. Errc::bad_input with a reply text
// ("Unknown command.", "Invalid message number.", ...) on failure.
Result<Command> parse_command(std::string_view line);

// The keyword of a verb, upper-case ("RETR"), for replies and logs.
const char* verb_name(Verb verb);

}  // namespace loft::proto::pop3

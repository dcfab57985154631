// RFC facts per command: its name, the connection states it is valid in
// (RFC 3501 §3 and §6) and whether it uses message sequence numbers (§7.4.1).
// The server checks these once before dispatching.
#pragma once

#include <cstdint>

#include "protocol/imap/command.h"

namespace loft::proto::imap {

// Connection states (RFC 3501 §3), as bits so a command can allow several.
// Logout needs no bit: nothing is parsed after LOGOUT.
enum State : uint8_t {
  kNotAuthenticated = 1,
  kAuthenticated = 2,
  kSelected = 4,
};
inline constexpr uint8_t kAnyState = kNotAuthenticated | kAuthenticated | kSelected;

// What the server checks before dispatching a command.
struct CommandInfo {
  const char* name;  // as in replies and logs, e.g. "UID FETCH"
  uint8_t states;    // State bits in which the command is valid
  // RFC 3501 §7.4.1: untagged EXPUNGE must not be sent while such a command
  // runs (FETCH, STORE, SEARCH; not their UID forms).
  bool uses_msn;
};

// The facts for the command in body (e.g. EXAMINE vs SELECT, UID FETCH vs FETCH).
const CommandInfo& command_info(const CommandBody& body);
// True if info allows the command in state.
inline bool allowed_in(const CommandInfo& info, State state) { return (info.states & state) != 0; }

}  // namespace loft::proto::imap

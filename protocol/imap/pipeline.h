// Counting the commands a client has pipelined (RFC 3501 §5.5: a client may
// send further commands without waiting for a completion result) that wait
// in the input behind a running command, so the server can bound them and
// say so (issue "IMAP4rev1 complete", "Limits with clear answers").
#pragma once

#include <cstddef>
#include <string_view>

namespace loft::proto::imap {

// Most complete commands one session may have waiting behind the running
// one. Real clients pipeline a few hundred at most; the input buffer (256 KiB)
// holds about 7,000 of mbsync's shortest (UID STORE), so only a flood of tiny
// commands reaches it. The excess is answered "* BYE" and the connection closed.
inline constexpr size_t kMaxPipelinedCommands = 10000;

// The complete commands in input, which starts at a command boundary: lines,
// each with the literals it announces ("{N}", "{N+}", §4.3, RFC 7888) and the
// lines that continue it. A command whose end has not arrived is not counted.
// Stops counting once the count exceeds stop_after.
size_t count_pipelined_commands(std::string_view input, size_t stop_after);

}  // namespace loft::proto::imap

// Reading a new password for loftctl: from a pipe for scripts, or typed
// twice at a terminal with echo off.
#pragma once

#include <string>

#include "base/result.h"

namespace loft::tools {

// When stdin is not a terminal: its first line, without the trailing LF/CRLF.
// When it is: prompts on stderr twice with echo off and compares the two.
// Errc::bad_input on end of input or a mismatch.
Result<std::string> read_new_password(const std::string& account);

}  // namespace loft::tools

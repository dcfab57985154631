// loftctl's internals: reading a password, talking to the admin socket, and
// choosing between the running server and the store itself (offline mode).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/result.h"
#include "protocol/admin/message.h"

namespace loft::tools {

// loftctl's exit codes.
enum ExitCode : int {
  kExitOk = 0,           // done
  kExitFailed = 1,       // the operation failed (exists, not found, ...)
  kExitUsage = 2,        // bad command line, config or input
  kExitUnreachable = 3,  // server unreachable, or store locked by a server
};

// When stdin is not a terminal: its first line, without the trailing LF/CRLF.
// When it is: prompts on stderr twice with echo off and compares the two.
// Errc::bad_input on end of input or a mismatch.
Result<std::string> read_new_password(const std::string& account);

// Sends request to the admin socket at path (relative to the current
// directory when relative) and reads the whole response. Errc::not_found when
// no server listens there (socket absent or connection refused), so the caller
// may fall back to the store; Errc::temp for any failure after connecting.
// A store check or an index request may run for minutes: it waits
// kCheckTimeoutSeconds. on_row, if given, sees each DATA row as it arrives
// (progress of INDEX-REBUILD).
Result<proto::admin::Response> call_admin_socket(
    const std::string& path, const proto::admin::Request& request,
    const std::function<void(const std::vector<std::string>&)>& on_row = {});

// How long loftctl waits for an answer: hashing a password takes well under a
// second, a store check reads every record.
constexpr int kTimeoutSeconds = 60;
constexpr int kCheckTimeoutSeconds = 3600;

struct Outcome {
  int exit_code = kExitOk;
  proto::admin::Response response;  // valid when exit_code is kExitOk
  std::string message;              // what went wrong, for stderr
};

// Sends request to the admin socket of config; when no server listens there,
// or when force_offline is set, opens the store itself and runs AdminService.
Outcome execute(const Config& config, bool force_offline, const proto::admin::Request& request);

// loftctl deliver: standard input into request.name's request.mailbox,
// through the admin socket (streamed) or the store itself. Returns a
// sysexits.h code: EX_OK, EX_NOUSER, EX_TEMPFAIL, EX_CANTCREAT (over quota)...
int deliver(const Config& config, bool offline, const proto::admin::Request& request);

// Prints the rows of a STORE-CHECK/STORE-REPAIR answer, one problem per line
// on stdout and a summary on stderr. kExitOk when no problem is left
// unrepaired, else kExitFailed.
int print_check(const proto::admin::Response& response);

// `loftctl index status|rebuild|optimize [--user U]`: through the running
// loftd's admin socket, or on the store opened directly when no server
// listens (or offline is set); returns the exit code (tools/loftctl/index.cc).
int index_command(const Config& config, bool offline, const std::string& verb, const std::string& user);

}  // namespace loft::tools

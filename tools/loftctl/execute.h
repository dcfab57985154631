// Where loftctl runs a request: through the running server's admin socket,
// or directly on the store when no server runs (offline mode).
#pragma once

#include <string>

#include "base/config.h"
#include "protocol/admin/message.h"

namespace loft::tools {

// loftctl's exit codes.
enum ExitCode : int {
  kExitOk = 0,           // done
  kExitFailed = 1,       // the operation failed (exists, not found, ...)
  kExitUsage = 2,        // bad command line, config or input
  kExitUnreachable = 3,  // server unreachable, or store locked by a server
};

struct Outcome {
  int exit_code = kExitOk;
  proto::admin::Response response;  // valid when exit_code is kExitOk
  std::string message;              // what went wrong, for stderr
};

// Sends request to the admin socket of config; when no server listens there,
// or when force_offline is set, opens the store itself and runs AdminService.
Outcome execute(const Config& config, bool force_offline, const proto::admin::Request& request);

}  // namespace loft::tools

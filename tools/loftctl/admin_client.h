// The client side of the admin socket: one request, one response.
#pragma once

#include <string>

#include "base/result.h"
#include "protocol/admin/message.h"

namespace loft::tools {

// Sends request to the admin socket at path (relative to the current
// directory when relative) and reads the whole response. Errc::not_found when
// no server listens there (socket absent or connection refused), so the caller
// may fall back to the store; Errc::temp for any failure after connecting.
Result<proto::admin::Response> call_admin_socket(const std::string& path, const proto::admin::Request& request);

}  // namespace loft::tools

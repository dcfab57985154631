#include "tools/loftctl/loftctl.h"

#include <filesystem>
#include <system_error>
#include <utility>

#include "server/admin/admin_service.h"
#include "storage/store.h"

namespace loft::tools {

namespace {

namespace wire = loft::proto::admin;
namespace fs = std::filesystem;

Outcome fail(int code, std::string message) { return Outcome{code, wire::Response::success(), std::move(message)}; }

// A failed response becomes exit code 1, except for codes that say the
// request itself was wrong (2) or that the store is busy (3).
Outcome from_response(wire::Response response) {
  if (response.ok) return Outcome{kExitOk, std::move(response), {}};
  switch (response.error.code) {
    case Errc::bad_input: return fail(kExitUsage, response.error.message);
    case Errc::in_use: return fail(kExitUnreachable, response.error.message);
    default: return fail(kExitFailed, response.error.message);
  }
}

Outcome run_offline(const Config& config, const wire::Request& request, const std::string& socket_note) {
  std::string path = config.store_path();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    if (request.kind != wire::RequestKind::user_add)
      return fail(kExitFailed, "no store at " + path + " (no account was ever added there; check data_dir)");
    // First account before the first start: create data_dir, private to us.
    if (!fs::exists(config.data_dir, ec)) {
      fs::create_directories(config.data_dir, ec);
      if (ec) return fail(kExitUsage, "cannot create data_dir " + config.data_dir + ": " + ec.message());
      fs::permissions(config.data_dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    }
  }
  auto store = storage::Store::open({.path = path, .sync = config.storage_sync});
  if (!store) {
    if (store.error().code == Errc::in_use)
      return fail(kExitUnreachable, "the store " + path + " is locked: the server seems to be running, but its "
                                    "admin socket is unreachable" + socket_note);
    return fail(kExitFailed, "cannot open the store " + path + ": " + store.error().message);
  }
  server::AdminService service(**store);
  return from_response(service.execute(request));
}

}  // namespace

Outcome execute(const Config& config, bool force_offline, const wire::Request& request) {
  const ListenerConfig* admin = config.find_listener(ListenerProtocol::admin);
  if (force_offline || !admin) return run_offline(config, request, admin ? "" : " (no admin listener configured)");
  auto response = call_admin_socket(admin->unix_path, request);
  if (response) return from_response(std::move(*response));
  if (response.error().code == Errc::not_found)  // no server: work on the store directly
    return run_offline(config, request, " (" + response.error().message + ")");
  return fail(kExitUnreachable, response.error().message);
}

}  // namespace loft::tools

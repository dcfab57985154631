// `loftctl index status|rebuild|optimize [--user U]`: the full-text index
// (docs/search.md). Asks the running loftd over its admin socket (INDEX-*;
// the work runs on loftd's indexer thread); when no server listens there,
// or with --offline, opens the store directly (loftd must then be stopped:
// the store's lock says so). Both ways print the same lines:
//   status:   "user documents N bytes N mail_bytes N ratio R pending N indexed D/M
//             expunged X [rebuilding]" (X: documents of expunged messages still stored)
//   rebuild:  "user: D/M messages" progress on stderr, "user indexed N" on stdout
//   optimize: "user optimized"
#include <cstdio>
#include <iostream>

#include "protocol/imap/stemmer.h"
#include "server/search/attachments.h"
#include "server/admin/admin_service.h"
#include "server/search/index_admin.h"
#include "storage/store.h"
#include "tools/loftctl/loftctl.h"

namespace loft::tools {
namespace {

namespace wire = loft::proto::admin;

int fail(const std::string& message, int code = kExitFailed) {
  std::cerr << "loftctl index: " << message << "\n";
  return code;
}

unsigned long long number(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }

// Prints a progress row as it arrives.
void print_progress(const std::vector<std::string>& row) {
  if (row.size() == 4 && row[0] == "progress")
    std::fprintf(stderr, "%s: %s/%s messages\n", row[1].c_str(), row[2].c_str(), row[3].c_str());
}

int print(const wire::Response& response) {
  if (!response.ok) {
    const Error& e = response.error;
    return fail(e.message, e.code == Errc::bad_input ? kExitUsage : e.code == Errc::in_use ? kExitUnreachable
                                                                                            : kExitFailed);
  }
  for (const auto& row : response.rows) {
    if (row.size() == 8) {  // status: name documents bytes mail_bytes pending messages dead state
      const unsigned long long bytes = number(row[2]), mail = number(row[3]);
      std::printf("%s documents %s bytes %s mail_bytes %s ratio %.3f pending %s indexed %s/%s expunged %s%s\n",
                  row[0].c_str(), row[1].c_str(), row[2].c_str(), row[3].c_str(),
                  mail ? static_cast<double>(bytes) / mail : 0.0, row[4].c_str(), row[1].c_str(), row[5].c_str(),
                  row[6].c_str(), row[7] == "ready" ? "" : (" " + row[7]).c_str());
    } else if (row.size() == 3 && row[0] == "indexed") {
      std::printf("%s indexed %s\n", row[1].c_str(), row[2].c_str());
    } else if (row.size() == 2 && row[0] == "optimized") {
      std::printf("%s optimized\n", row[1].c_str());
    }
  }
  std::fflush(stdout);
  return kExitOk;
}

int run_offline(const Config& config, wire::RequestKind kind, const std::string& user) {
  auto store = storage::Store::open({.path = config.store_path(), .sync = config.storage_sync});
  if (!store) {
    if (store.error().code == Errc::in_use)
      return fail("the store is in use by loftd, whose admin socket is unreachable", kExitUnreachable);
    return fail("cannot open the store: " + store.error().message);
  }
  if (kind == wire::RequestKind::index_status)
    return print(server::search::index_status(**store, config.data_dir, user));
  // Stems as loftd makes them (docs/search.md "FUZZY"): the same languages.
  proto::imap::set_stem_languages(config.stem_languages);
  server::search::set_attachment_extractor(
      server::search::AttachmentExtractor::create(config.attachments, config.data_dir + "/tmp-attachments"));
  server::search::Indexer indexer(**store, config.data_dir);
  if (kind == wire::RequestKind::index_optimize) return print(server::search::index_optimize(indexer, **store, user));
  int code = print(server::search::index_rebuild(indexer, **store, user, print_progress, nullptr));
  if (code != kExitOk) return code;
  indexer.close();
  // Pending jobs are then for messages already indexed: draining them is harmless.
  for (;;) {
    auto n = indexer.run_batch(1024);
    if (!n) return fail(n.error().message);
    if (*n == 0) break;
  }
  return kExitOk;
}

}  // namespace

int index_command(const Config& config, bool offline, const std::string& verb, const std::string& raw_user) {
  wire::Request request;
  if (verb == "status") request.kind = wire::RequestKind::index_status;
  else if (verb == "rebuild") request.kind = wire::RequestKind::index_rebuild;
  else if (verb == "optimize") request.kind = wire::RequestKind::index_optimize;
  else return fail("unknown verb " + verb, kExitUsage);
  if (!raw_user.empty()) {
    auto name = server::AdminService::normalize_name(raw_user);
    if (!name) return fail("'" + raw_user + "': " + name.error().message, kExitUsage);
    request.name = *name;
  }
  const ListenerConfig* admin = config.find_listener(ListenerProtocol::admin);
  if (offline || !admin) return run_offline(config, request.kind, request.name);
  auto response = call_admin_socket(admin->unix_path, request, print_progress);
  if (response) return print(*response);
  if (response.error().code == Errc::not_found) return run_offline(config, request.kind, request.name);
  return fail(response.error().message, kExitUnreachable);
}

}  // namespace loft::tools

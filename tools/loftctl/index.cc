// `loftctl index status|rebuild|optimize [--user U]`: the full-text index
// (docs/search.md), worked on with the store opened directly, so loftd must
// be stopped (the store's lock says so otherwise). status prints per account
// "user documents N bytes N mail_bytes N ratio R" and the pending jobs.
#include <cstdio>
#include <iostream>

#include "server/search/indexer.h"
#include "storage/store.h"
#include "tools/loftctl/loftctl.h"

namespace loft::tools {
namespace {

int fail(const std::string& message) {
  std::cerr << "loftctl index: " << message << "\n";
  return kExitFailed;
}

}  // namespace

int index_command(const Config& config, const std::string& verb, const std::string& user) {
  auto store = storage::Store::open({.path = config.store_path(), .sync = config.storage_sync});
  if (!store) {
    if (store.error().code == Errc::in_use) {
      std::cerr << "loftctl index: the store is in use: stop loftd first (it indexes by itself)\n";
      return kExitUnreachable;
    }
    return fail("cannot open the store: " + store.error().message);
  }
  auto accounts = (*store)->list_accounts();
  if (!accounts) return fail(accounts.error().message);
  std::vector<storage::Account> chosen;
  for (const auto& a : *accounts) {
    if (user.empty() || a.name == user) chosen.push_back(a);
  }
  if (!user.empty() && chosen.empty()) return fail(user + ": no such account");
  server::search::Indexer indexer(**store, config.data_dir);
  if (verb == "status") {
    auto pending = (*store)->index_jobs(1000000);
    if (!pending) return fail(pending.error().message);
    for (const auto& a : chosen) {
      uint64_t pending_here = 0;
      for (const auto& j : *pending) pending_here += j.account == a.id;
      uint64_t mail = 0;
      auto boxes = (*store)->list_mailboxes(a.id);
      if (!boxes) return fail(boxes.error().message);
      if (auto q = (*store)->quota(a.id)) mail = q->bytes;
      loft::search::IndexStats st;
      if (auto idx = loft::search::Index::open_reader(server::search::index_dir(config.data_dir, a.id))) {
        auto s = idx->stats();
        if (!s) return fail(s.error().message);
        st = *s;
      }
      std::printf("%s documents %llu bytes %llu mail_bytes %llu ratio %.3f pending %llu\n", a.name.c_str(),
                  static_cast<unsigned long long>(st.documents), static_cast<unsigned long long>(st.bytes),
                  static_cast<unsigned long long>(mail), mail ? static_cast<double>(st.bytes) / mail : 0.0,
                  static_cast<unsigned long long>(pending_here));
    }
    return kExitOk;
  }
  if (verb == "rebuild") {
    for (const auto& a : chosen) {
      auto n = indexer.rebuild(a.id, [&](uint64_t done, uint64_t total) {
        std::fprintf(stderr, "%s: %llu/%llu messages\n", a.name.c_str(), static_cast<unsigned long long>(done),
                     static_cast<unsigned long long>(total));
      });
      if (!n) return fail(a.name + ": " + n.error().message);
      std::printf("%s indexed %llu\n", a.name.c_str(), static_cast<unsigned long long>(*n));
    }
    indexer.close();
    // Pending jobs are then for messages already indexed: draining them is harmless.
    for (;;) {
      auto n = indexer.run_batch(1024);
      if (!n) return fail(n.error().message);
      if (*n == 0) break;
    }
    return kExitOk;
  }
  if (verb == "optimize") {
    for (const auto& a : chosen) {
      const std::string dir = server::search::index_dir(config.data_dir, a.id);
      if (!loft::search::Index::open_reader(dir)) continue;  // nothing indexed yet
      if (auto r = loft::search::optimize_index(dir); !r) return fail(a.name + ": " + r.error().message);
      std::printf("%s optimized\n", a.name.c_str());
    }
    return kExitOk;
  }
  return fail("unknown verb " + verb);
}

}  // namespace loft::tools

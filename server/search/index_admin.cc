// The INDEX-* admin requests (see index_admin.h).
#include "server/search/index_admin.h"

#include <map>

namespace loft::server::search {

namespace wire = proto::admin;

Result<std::vector<storage::Account>> index_accounts(storage::Store& store, const std::string& user) {
  auto accounts = store.list_accounts();
  if (!accounts) return accounts.error();
  std::vector<storage::Account> chosen;
  for (auto& a : *accounts) {
    if (user.empty() || a.name == user) chosen.push_back(std::move(a));
  }
  if (!user.empty() && chosen.empty()) return make_error(Errc::not_found, user + ": no such account");
  return chosen;
}

wire::Response index_status(storage::Store& store, const std::string& data_dir, const std::string& user) {
  auto chosen = index_accounts(store, user);
  if (!chosen) return wire::Response::failure(chosen.error());
  auto jobs = store.index_jobs(kPendingCounted);
  if (!jobs) return wire::Response::failure(jobs.error());
  std::map<storage::AccountId, uint64_t> pending;
  for (const auto& j : *jobs) ++pending[j.account];
  wire::Response r;
  for (const auto& a : *chosen) {
    auto boxes = store.list_mailboxes(a.id);
    if (!boxes) return wire::Response::failure(boxes.error());
    uint64_t messages = 0;
    for (const auto& mb : *boxes) messages += mb.messages;
    auto quota = store.quota(a.id);
    if (!quota) return wire::Response::failure(quota.error());
    loft::search::IndexStats st;
    if (auto idx = loft::search::Index::open_reader(index_dir(data_dir, a.id))) {
      auto s = idx->stats();
      if (!s) return wire::Response::failure(s.error());
      st = *s;
    }
    r.rows.push_back({a.name, std::to_string(st.documents), std::to_string(st.bytes), std::to_string(quota->bytes),
                      std::to_string(pending[a.id]), std::to_string(messages), std::to_string(st.dead),
                      st.rebuilding ? "rebuilding" : "ready"});
  }
  return r;
}

wire::Response index_rebuild(Indexer& indexer, storage::Store& store, const std::string& user, const RowSink& sink,
                             const std::atomic<bool>* cancel) {
  auto chosen = index_accounts(store, user);
  if (!chosen) return wire::Response::failure(chosen.error());
  wire::Response r;
  for (const auto& a : *chosen) {
    auto n = indexer.rebuild(
        a.id,
        [&](uint64_t done, uint64_t total) {
          if (sink) sink({"progress", a.name, std::to_string(done), std::to_string(total)});
        },
        cancel);
    if (!n) return wire::Response::failure({n.error().code, a.name + ": " + n.error().message});
    r.rows.push_back({"indexed", a.name, std::to_string(*n)});
  }
  return r;
}

wire::Response index_optimize(Indexer& indexer, storage::Store& store, const std::string& user) {
  auto chosen = index_accounts(store, user);
  if (!chosen) return wire::Response::failure(chosen.error());
  wire::Response r;
  for (const auto& a : *chosen) {
    auto done = indexer.optimize(a.id);
    if (!done) return wire::Response::failure({done.error().code, a.name + ": " + done.error().message});
    if (*done) r.rows.push_back({"optimized", a.name});
  }
  return r;
}

}  // namespace loft::server::search

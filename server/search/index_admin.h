// The `loftctl index status|rebuild|optimize [--user U]` requests, as admin
// protocol answers (protocol/admin/message.h), shared by loftd (INDEX-* on
// the admin socket, run on the indexer's thread or a worker) and loftctl on
// a stopped store, so both print the same lines. Blocking: never call it on
// an event loop.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "protocol/admin/message.h"
#include "server/search/indexer.h"
#include "storage/store.h"

namespace loft::server::search {

// The accounts a request names: every account for an empty user, else that
// one (Errc::not_found when it does not exist).
Result<std::vector<storage::Account>> index_accounts(storage::Store& store, const std::string& user);

// INDEX-STATUS: one row per account: name documents bytes mail_bytes pending
// messages state ("ready" or "rebuilding"). Reads only (a reader of each
// index), so any thread may run it beside the indexer. pending counts at
// most kPendingCounted jobs (memory bounded).
proto::admin::Response index_status(storage::Store& store, const std::string& data_dir, const std::string& user);
constexpr size_t kPendingCounted = 200000;

// A row to send before the answer is complete (rebuild progress).
using RowSink = std::function<void(std::vector<std::string> row)>;

// INDEX-REBUILD on the indexer's thread: progress rows "progress" name done
// total as it goes (through sink), then one row "indexed" name count per
// account in the answer. Stops with Errc::temp once *cancel is set.
proto::admin::Response index_rebuild(Indexer& indexer, storage::Store& store, const std::string& user,
                                     const RowSink& sink, const std::atomic<bool>* cancel);

// INDEX-OPTIMIZE on the indexer's thread: one row "optimized" name per
// account that has an index.
proto::admin::Response index_optimize(Indexer& indexer, storage::Store& store, const std::string& user);

}  // namespace loft::server::search

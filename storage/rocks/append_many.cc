// MULTIAPPEND (RFC 3502) in the store: every body linked to its new message
// in one request, so one WAL sync makes all of them durable or none.
#include <algorithm>
#include <memory>

#include "storage/rocks/body_writer.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/rocks_store.h"

namespace loft::storage::rocks {

namespace {

// Finishes every writer and fills the request; on any failure every body is
// discarded and nothing is submitted.
Result<void> prepare_link_bodies(std::span<RocksBodyWriter* const> writers, std::span<const DeliveryTarget> targets,
                                 LinkBodies* r) {
  auto discard_all = [&] {
    for (RocksBodyWriter* w : writers)
      if (w) w->discard();
  };
  if (std::find(writers.begin(), writers.end(), nullptr) != writers.end()) {
    discard_all();
    return make_error(Errc::internal, "body writer from another store");
  }
  if (writers.empty() || writers.size() != targets.size()) {
    discard_all();
    return make_error(Errc::bad_input, "one target per body is needed");
  }
  for (RocksBodyWriter* w : writers) {
    auto finished = w->finish();
    if (!finished) {
      discard_all();
      return finished.error();
    }
    r->bodies.push_back(std::move(*finished));
  }
  r->targets.assign(targets.begin(), targets.end());
  return {};
}

}  // namespace

Result<std::vector<DeliveredCopy>> RocksStore::append_many(std::span<BodyWriter* const> bodies,
                                                           std::span<const DeliveryTarget> targets) {
  std::vector<RocksBodyWriter*> writers;
  for (BodyWriter* b : bodies) writers.push_back(dynamic_cast<RocksBodyWriter*>(b));
  LinkBodies r;
  if (auto ok = prepare_link_bodies(writers, targets, &r); !ok) return ok.error();
  auto done = committer_->run(r);
  // Staged but not confirmed durable: pending (see settle_body).
  for (RocksBodyWriter* w : writers) settle_body(*w, done.ok(), r.staged ? 1 : 0);
  if (!done) return done.error();
  return std::move(r.out);
}

void RocksStore::append_many_async(std::vector<std::unique_ptr<BodyWriter>> bodies,
                                   std::span<const DeliveryTarget> targets, Done<std::vector<DeliveredCopy>> done) {
  // The writers live until the commit's outcome says whether their bodies are linked.
  auto owned = std::make_shared<std::vector<std::unique_ptr<BodyWriter>>>(std::move(bodies));
  std::vector<RocksBodyWriter*> writers;
  for (auto& b : *owned) writers.push_back(dynamic_cast<RocksBodyWriter*>(b.get()));
  auto r = std::make_shared<LinkBodies>();
  if (auto ok = prepare_link_bodies(writers, targets, r.get()); !ok) return done(ok.error());
  committer_->submit(r, [r, owned, writers, done = std::move(done)](Result<void> ok) {
    for (RocksBodyWriter* w : writers) settle_body(*w, ok.ok(), r->staged ? 1 : 0);
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

}  // namespace loft::storage::rocks

// RocksStore: the asynchronous mutations. Each queues the same Request as its
// blocking twin with Committer::submit and completes `done` on the committer
// thread once the batch is durable (or failed).
#include <memory>

#include "storage/rocks/body_writer.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/message_ops.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/rocks_store.h"
#include "storage/rocks/slices.h"

namespace loft::storage::rocks {

namespace {

// Queues r; once its batch is durable (or failed) done gets r->out (or the error).
template <class R, class T>
void submit_for_out(Committer& committer, std::shared_ptr<R> r, Store::Done<T> done) {
  committer.submit(r, [r, done = std::move(done)](Result<void> ok) {
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

}  // namespace

void RocksStore::deliver_async(std::unique_ptr<BodyWriter> body, std::span<const DeliveryTarget> targets,
                               Done<std::vector<DeliveryOutcome>> done) {
  // The writer lives until the commit's outcome says whether its body is
  // linked (kept) or not (removed), as in the blocking deliver.
  std::shared_ptr<RocksBodyWriter> writer(dynamic_cast<RocksBodyWriter*>(body.get()));
  if (!writer) return done(make_error(Errc::internal, "body writer from another store"));
  body.release();
  if (targets.empty()) {
    writer->discard();
    return done(make_error(Errc::bad_input, "delivery without targets"));
  }
  auto finished = writer->finish();
  if (!finished) {
    writer->discard();
    return done(finished.error());
  }
  auto r = std::make_shared<LinkBody>();
  r->body = std::move(*finished);
  r->targets.assign(targets.begin(), targets.end());
  committer_->submit(r, [r, writer, done = std::move(done)](Result<void> ok) {
    settle_body(*writer, ok.ok(), r->linked);
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

void RocksStore::store_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, const FlagChange& change,
                                   Done<FlagResult> done) {
  StoreFlags r;
  r.mailbox = mailbox;
  r.change = change;
  submit_sliced<StoreFlags, FlagResult>(*committer_, std::move(r), {uids.begin(), uids.end()},
                                        tuning_.slice_messages, std::move(done), append_flag_result);
}

void RocksStore::expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) {
  Expunge r;
  r.mailbox = mailbox;
  submit_sliced<Expunge, std::vector<uint32_t>>(*committer_, std::move(r), {uids.begin(), uids.end()},
                                                tuning_.slice_messages, std::move(done), append_uids);
}

void RocksStore::expunge_deleted_async(MailboxId mailbox, std::span<const uint32_t> uids,
                                       Done<std::vector<uint32_t>> done) {
  Expunge r;
  r.mailbox = mailbox;
  r.only_deleted = true;
  submit_sliced<Expunge, std::vector<uint32_t>>(*committer_, std::move(r), {uids.begin(), uids.end()},
                                                tuning_.slice_messages, std::move(done), append_uids);
}

void RocksStore::copy_or_move_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, bool move,
                                    Done<CopyResult> done) {
  auto r = std::make_shared<CopyMessages>();
  r->from = from;
  r->to = to;
  r->uids.assign(uids.begin(), uids.end());
  r->move = move;
  submit_for_out(*committer_, std::move(r), std::move(done));
}

void RocksStore::copy_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) {
  copy_or_move_async(from, uids, to, false, std::move(done));
}

void RocksStore::move_async(MailboxId from, std::span<const uint32_t> uids, MailboxId to, Done<CopyResult> done) {
  copy_or_move_async(from, uids, to, true, std::move(done));
}

}  // namespace loft::storage::rocks

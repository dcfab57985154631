// REPLACE (RFC 8508) in the store: the old message's expunge and the new
// message's link are staged in one request, so one WAL sync makes both
// durable or neither (docs/storage.md, "REPLACE").
#include <map>
#include <memory>

#include "storage/rocks/body_writer.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/message_ops.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/rocks_store.h"

namespace loft::storage::rocks {

Result<void> ReplaceMessage::stage(GroupTxn& txn) {
  staged = false;
  auto src = stage_mailbox(txn, old_mailbox);
  if (!src) return src.error();
  auto old = stage_message(txn, old_mailbox, old_uid);
  if (!old) return old.error();
  if (!*old) return make_error(Errc::expunged, "the message to replace was expunged");
  // The old message goes first, so a replacement in the same account is
  // charged against the quota the old one frees.
  const uint64_t modseq = src->highestmodseq + 1;
  std::map<BlobId, uint32_t> released;
  if (auto r = stage_remove_message(txn, *src, **old, modseq, &released, &event(old_mailbox)); !r) return r;
  src->highestmodseq = modseq;
  txn.put_mailbox(*src);
  if (auto r = release_blobs(txn, released); !r) return r;

  auto mb = target_mailbox(txn, target, body.size);
  if (!mb) return mb.error();
  MessageMeta meta = message_meta(target, body);
  if (auto r = stage_add_message(txn, *mb, meta, &event(mb->id)); !r) return r;
  txn.put_mailbox(*mb);
  txn.put(kBlobsCf, id_key(body.blob), encode_blob(BlobRecord{1, body.size, body.chunk_size}));
  if (!body.structure.empty()) txn.put(kStructuresCf, id_key(body.blob), encode_bytes(body.structure));
  txn.erase(kPendingCf, id_key(body.blob));
  out = DeliveredCopy{target.account, mb->id, meta.uid, mb->uidvalidity};
  staged = true;
  return {};
}

namespace {

// Finishes the writer and fills the request; on failure the body is discarded.
Result<void> prepare_replace(RocksBodyWriter& writer, const DeliveryTarget& target, MailboxId old_mailbox,
                             uint32_t old_uid, ReplaceMessage* r) {
  auto finished = writer.finish();
  if (!finished) {
    writer.discard();
    return finished.error();
  }
  r->body = std::move(*finished);
  r->target = target;
  r->old_mailbox = old_mailbox;
  r->old_uid = old_uid;
  return {};
}

}  // namespace

Result<DeliveredCopy> RocksStore::replace(BodyWriter& body, const DeliveryTarget& target, MailboxId old_mailbox,
                                          uint32_t old_uid) {
  auto* writer = dynamic_cast<RocksBodyWriter*>(&body);
  if (!writer) return make_error(Errc::internal, "body writer from another store");
  ReplaceMessage r;
  if (auto ok = prepare_replace(*writer, target, old_mailbox, old_uid, &r); !ok) return ok.error();
  auto done = committer_->run(r);
  settle_body(*writer, done.ok(), r.staged ? 1 : 0);
  if (!done) return done.error();
  return r.out;
}

void RocksStore::replace_async(std::unique_ptr<BodyWriter> body, const DeliveryTarget& target, MailboxId old_mailbox,
                               uint32_t old_uid, Done<DeliveredCopy> done) {
  // The writer lives until the commit's outcome says whether its body is linked.
  std::shared_ptr<RocksBodyWriter> writer(dynamic_cast<RocksBodyWriter*>(body.get()));
  if (!writer) return done(make_error(Errc::internal, "body writer from another store"));
  body.release();
  auto r = std::make_shared<ReplaceMessage>();
  if (auto ok = prepare_replace(*writer, target, old_mailbox, old_uid, r.get()); !ok) return done(ok.error());
  committer_->submit(r, [r, writer, done = std::move(done)](Result<void> ok) {
    settle_body(*writer, ok.ok(), r->staged ? 1 : 0);
    if (!ok) return done(ok.error());
    done(r->out);
  });
}

}  // namespace loft::storage::rocks

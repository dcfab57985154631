// RocksStore: bodies, messages, changes, quota and index jobs.
#include <algorithm>

#include "base/bytes.h"
#include "storage/rocks/body_writer.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/message_ops.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/read_util.h"
#include "storage/rocks/rocks_store.h"
#include "storage/rocks/slices.h"

namespace loft::storage::rocks {

namespace {

// Decodes a 20-byte kChangesCf / kIndexJobsCf key.
struct ChangeKey {
  MailboxId mailbox;
  uint64_t modseq;
  uint32_t uid;
};
std::optional<ChangeKey> decode_change_key(std::string_view k) {
  if (k.size() != 20) return std::nullopt;
  return ChangeKey{get_be64(k.data()), get_be64(k.data() + 8), get_be32(k.data() + 16)};
}

}  // namespace

Result<std::unique_ptr<BodyWriter>> RocksStore::begin_body() {
  // A failed store takes no new body: its chunks could not be committed.
  if (failed()) return make_error(Errc::temp, "the store has failed and must be restarted");
  auto w = RocksBodyWriter::begin(*db_, *blob_ids_, static_cast<uint32_t>(options_.chunk_size));
  if (!w) return w.error();
  return std::unique_ptr<BodyWriter>(std::move(*w));
}

Result<std::vector<DeliveryOutcome>> RocksStore::deliver(BodyWriter& body, std::span<const DeliveryTarget> targets) {
  auto* writer = dynamic_cast<RocksBodyWriter*>(&body);
  if (writer == nullptr) return make_error(Errc::internal, "body writer from another store");
  if (targets.empty()) {
    writer->discard();
    return make_error(Errc::bad_input, "delivery without targets");
  }
  auto finished = writer->finish();
  if (!finished) {
    writer->discard();
    return finished.error();
  }
  LinkBody r;
  r.body = std::move(*finished);
  r.targets.assign(targets.begin(), targets.end());
  auto done = committer_->run(r);
  settle_body(*writer, done.ok(), r.linked);
  if (!done) return done.error();
  return std::move(r.out);
}

Result<std::vector<MessageSummary>> RocksStore::message_index(MailboxId mailbox) {
  Snapshot s(db_->db());
  auto record = read_mailbox(*db_, mailbox, s.ro);
  if (!record) return record.error();
  std::vector<MessageSummary> out;
  // Sized from the record's count (same snapshot): growing a vector of
  // 100,000 summaries by doubling was a third of a first SELECT's or an
  // EXPUNGE's scan (copies and fresh pages). Capped: a corrupt count must not
  // allocate gigabytes; the scan still reads every row.
  out.reserve(std::min<size_t>(record->messages, size_t{1} << 22));
  bool bad = false;
  auto done = scan(*db_, kMessagesCf, id_key(mailbox), s.ro, [&](std::string_view key, std::string_view value) {
    auto m = key.size() == 12 ? decode_message(get_be32(key.data() + 8), value) : std::nullopt;
    if (!m) return !(bad = true);
    out.push_back(MessageSummary{m->uid, m->flags, m->modseq, std::move(m->keywords)});
    return true;
  });
  if (!done) return done.error();
  if (bad) return corrupt("message in mailbox " + std::to_string(mailbox));
  return out;
}

Result<std::vector<MessageSize>> RocksStore::message_sizes(MailboxId mailbox) {
  Snapshot s(db_->db());
  auto record = read_mailbox(*db_, mailbox, s.ro);
  if (!record) return record.error();
  std::vector<MessageSize> out;
  out.reserve(std::min<size_t>(record->messages, size_t{1} << 22));  // as message_index
  bool bad = false;
  auto done = scan(*db_, kMessagesCf, id_key(mailbox), s.ro, [&](std::string_view key, std::string_view value) {
    auto m = key.size() == 12 ? decode_message(get_be32(key.data() + 8), value) : std::nullopt;
    if (!m) return !(bad = true);
    out.push_back(MessageSize{m->uid, m->size});
    return true;
  });
  if (!done) return done.error();
  if (bad) return corrupt("message in mailbox " + std::to_string(mailbox));
  return out;
}

Result<std::vector<MessageMeta>> RocksStore::messages(MailboxId mailbox, std::span<const uint32_t> uids) {
  Snapshot s(db_->db());
  if (auto m = read_mailbox(*db_, mailbox, s.ro); !m) return m.error();
  std::vector<MessageMeta> out;
  out.reserve(uids.size());
  // One batched lookup per kMultiGet uids (a SEARCH step asks 256 at a time).
  constexpr size_t kMultiGet = 1024;
  std::vector<std::string> keys;
  for (size_t first = 0; first < uids.size(); first += kMultiGet) {
    const auto part = uids.subspan(first, std::min(kMultiGet, uids.size() - first));
    keys.clear();
    for (uint32_t uid : part) keys.push_back(message_key(mailbox, uid));
    auto values = db_->multi_get(kMessagesCf, keys, s.ro);
    if (!values) return values.error();
    for (size_t i = 0; i < part.size(); ++i) {
      if (!(*values)[i]) continue;
      auto m = decode_message(part[i], *(*values)[i]);
      if (!m) return corrupt("message " + std::to_string(part[i]) + " in mailbox " + std::to_string(mailbox));
      out.push_back(std::move(*m));
    }
  }
  return out;
}

Result<std::string> RocksStore::read_body(BlobId blob, uint64_t offset, uint64_t length) {
  Snapshot s(db_->db());
  auto b = read_blob(*db_, blob, s.ro);
  if (!b) return b.error();
  const uint64_t begin = std::min(offset, b->size);
  const uint64_t end = begin + std::min(length, b->size - begin);
  std::string out;
  if (begin == end) return out;
  out.reserve(end - begin);

  const uint64_t cs = b->chunk_size;
  const auto first = static_cast<uint32_t>(begin / cs), last = static_cast<uint32_t>((end - 1) / cs);
  std::optional<Error> error;
  uint32_t expect = first;
  // Start at the first chunk needed and stop after the last: a 64 KiB read
  // of a large body touches one or two chunks.
  auto done = scan_range(*db_, kChunksCf, chunk_key(blob, first), prefix_end(id_key(blob)), s.ro,
                         [&](std::string_view key, std::string_view value) {
    const uint32_t index = get_be32(key.data() + 8);
    if (index != expect) { error = corrupt("body " + std::to_string(blob) + " is missing a chunk"); return false; }
    const uint64_t chunk_begin = uint64_t{index} * cs;
    const uint64_t plain = std::min(cs, b->size - chunk_begin);
    const uint64_t from = std::max(begin, chunk_begin) - chunk_begin;
    const uint64_t to = std::min(end, chunk_begin + plain) - chunk_begin;
    if (auto r = append_chunk(value, plain, from, to, &out); !r) { error = r.error(); return false; }
    return ++expect <= last;
  });
  if (!done) return done.error();
  if (error) return *error;
  if (expect <= last) return corrupt("body " + std::to_string(blob) + " is missing chunks");
  return out;
}

Result<std::vector<uint32_t>> RocksStore::expunge(MailboxId mailbox, std::span<const uint32_t> uids) {
  Expunge r;
  r.mailbox = mailbox;
  return run_sliced<Expunge, std::vector<uint32_t>>(*committer_, r, uids, tuning_.slice_messages, append_uids);
}

Result<CopyResult> RocksStore::copy_or_move(MailboxId from, std::span<const uint32_t> uids, MailboxId to, bool move) {
  CopyMessages r;
  r.from = from;
  r.to = to;
  r.uids.assign(uids.begin(), uids.end());
  r.move = move;
  if (auto done = committer_->run(r); !done) return done.error();
  return std::move(r.out);
}

Result<CopyResult> RocksStore::copy(MailboxId from, std::span<const uint32_t> uids, MailboxId to) {
  return copy_or_move(from, uids, to, false);
}

Result<CopyResult> RocksStore::move(MailboxId from, std::span<const uint32_t> uids, MailboxId to) {
  return copy_or_move(from, uids, to, true);
}

Result<FlagResult> RocksStore::store_flags(MailboxId mailbox, std::span<const uint32_t> uids,
                                           const FlagChange& change) {
  StoreFlags r;
  r.mailbox = mailbox;
  r.change = change;
  return run_sliced<StoreFlags, FlagResult>(*committer_, r, uids, tuning_.slice_messages, append_flag_result);
}

Result<std::vector<MessageSummary>> RocksStore::changed_since(MailboxId mailbox, uint64_t modseq) {
  Snapshot s(db_->db());
  if (auto m = read_mailbox(*db_, mailbox, s.ro); !m) return m.error();
  std::vector<MessageSummary> out;
  std::optional<Error> error;
  // Only rows above modseq are read: the cost follows the changes.
  auto done = scan_range(*db_, kChangesCf, change_key(mailbox, modseq + 1, 0), prefix_end(id_key(mailbox)), s.ro,
                         [&](std::string_view key, std::string_view value) {
    auto k = decode_change_key(key);
    auto kind = decode_change(value);
    if (!k || !kind) { error = corrupt("change log of mailbox " + std::to_string(mailbox)); return false; }
    if (*kind != ChangeKind::present) return true;
    auto v = db_->get(kMessagesCf, message_key(mailbox, k->uid), s.ro);
    if (!v) { error = v.error(); return false; }
    auto m = *v ? decode_message(k->uid, **v) : std::nullopt;
    if (!m || m->modseq != k->modseq) { error = corrupt("change log row without its message"); return false; }
    out.push_back(MessageSummary{m->uid, m->flags, m->modseq, std::move(m->keywords)});
    return true;
  });
  if (!done) return done.error();
  if (error) return *error;
  return out;
}

Result<std::vector<uint32_t>> RocksStore::expunged_since(MailboxId mailbox, uint64_t modseq) {
  Snapshot s(db_->db());
  if (auto m = read_mailbox(*db_, mailbox, s.ro); !m) return m.error();
  std::vector<uint32_t> out;
  bool bad = false;
  auto done = scan_range(*db_, kChangesCf, change_key(mailbox, modseq + 1, 0), prefix_end(id_key(mailbox)), s.ro,
                         [&](std::string_view key, std::string_view value) {
    auto k = decode_change_key(key);
    auto kind = decode_change(value);
    if (!k || !kind) return !(bad = true);
    if (*kind == ChangeKind::expunged) out.push_back(k->uid);
    return true;
  });
  if (!done) return done.error();
  if (bad) return corrupt("change log of mailbox " + std::to_string(mailbox));
  return out;
}

Result<Quota> RocksStore::quota(AccountId account) {
  auto v = db_->get(kQuotasCf, id_key(account));
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no quota record for account " + std::to_string(account));
  auto q = decode_quota(**v);
  if (!q) return corrupt("quota of account " + std::to_string(account));
  return Quota{q->bytes, q->messages, q->byte_limit, q->message_limit};
}

Result<void> RocksStore::set_quota(AccountId account, uint64_t byte_limit, uint64_t message_limit) {
  SetQuota r;
  r.account = account;
  r.byte_limit = byte_limit;
  r.message_limit = message_limit;
  return committer_->run(r);
}

Result<std::vector<IndexJob>> RocksStore::index_jobs(size_t max) {
  std::vector<IndexJob> out;
  bool bad = false;
  auto done = scan_range(*db_, kIndexJobsCf, std::string(), std::string(), {},
                         [&](std::string_view key, std::string_view value) {
    if (out.size() >= max) return false;
    auto k = decode_change_key(key);
    auto j = decode_index_job(value);
    if (!k || !j) return !(bad = true);
    out.push_back(IndexJob{j->add, j->account, k->mailbox, k->uid, k->modseq, j->blob});
    return true;
  });
  if (!done) return done.error();
  if (bad) return corrupt("index job");
  return out;
}

Result<void> RocksStore::delete_index_jobs(std::span<const IndexJob> jobs) {
  // Jobs are the indexer's queue, not mail state: a plain synced batch,
  // outside the committer (no other writer touches processed jobs).
  rocksdb::WriteBatch batch;
  for (const IndexJob& j : jobs) {
    rocksdb::Status s = batch.Delete(db_->cf(kIndexJobsCf), change_key(j.mailbox, j.modseq, j.uid));
    if (!s.ok()) return to_error(s, "deleting index jobs");
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  rocksdb::Status s = db_->db()->Write(wo, &batch);
  if (!s.ok()) return to_error(s, "deleting index jobs");
  return {};
}

Result<std::string> RocksStore::read_structure(BlobId blob) {
  Snapshot s(db_->db());
  if (auto b = read_blob(*db_, blob, s.ro); !b) return b.error();
  auto v = db_->get(kStructuresCf, id_key(blob), s.ro);
  if (!v) return v.error();
  if (!*v) return std::string();
  auto bytes = decode_bytes(**v);
  if (!bytes) return corrupt("structure of blob " + std::to_string(blob));
  return std::move(*bytes);
}

Result<std::vector<std::string>> RocksStore::read_structures(std::span<const BlobId> blobs) {
  Snapshot s(db_->db());
  std::vector<std::string> keys;
  keys.reserve(blobs.size());
  for (BlobId b : blobs) keys.push_back(id_key(b));
  // A structure row goes in the batch that deletes its body, so under one
  // snapshot a row found belongs to a body that exists.
  auto values = db_->multi_get(kStructuresCf, keys, s.ro);
  if (!values) return values.error();
  std::vector<std::string> out(blobs.size());
  for (size_t i = 0; i < blobs.size(); ++i) {
    if (!(*values)[i]) continue;
    auto bytes = decode_bytes(*(*values)[i]);
    if (!bytes) return corrupt("structure of blob " + std::to_string(blobs[i]));
    out[i] = std::move(*bytes);
  }
  return out;
}

void RocksStore::abandon_body_for_testing(BodyWriter& body) {
  if (auto* w = dynamic_cast<RocksBodyWriter*>(&body)) w->abandon_for_testing();
}

Result<uint64_t> RocksStore::chunk_rows_for_testing(BlobId blob) {
  uint64_t n = 0;
  auto done = scan(*db_, kChunksCf, id_key(blob), {}, [&](std::string_view, std::string_view) { return ++n, true; });
  if (!done) return done.error();
  return n;
}

Result<void> RocksStore::set_blob_refs_for_testing(BlobId blob, uint32_t refs) {
  auto b = read_blob(*db_, blob, {});
  if (!b) return b.error();
  b->refs = refs;
  rocksdb::Status s = db_->db()->Put({}, db_->cf(kBlobsCf), id_key(blob), encode_blob(*b));
  if (!s.ok()) return to_error(s, "test write");
  return {};
}

Result<BlobInfo> RocksStore::blob_info(BlobId blob) {
  auto b = read_blob(*db_, blob, {});
  if (!b) return b.error();
  return BlobInfo{b->size, b->refs};
}

}  // namespace loft::storage::rocks

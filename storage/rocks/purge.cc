#include "storage/rocks/purge.h"

#include <map>
#include <utility>

#include "base/bytes.h"
#include "base/log.h"
#include "storage/rocks/metadata_ops.h"
#include "storage/rocks/txn_util.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// kMetaCf: "purge/" + be64 mailbox -> v + phase byte + be32 next uid + the
// mailbox record (as in kMailboxesCf).
constexpr char kPurgeVersion = 1;

std::string purge_key(MailboxId mailbox) {
  std::string k(kPurgePrefix);
  put_be64(&k, mailbox);
  return k;
}

std::string encode_purge(const PurgeMarker& p) {
  std::string v(1, kPurgeVersion);
  v.push_back(p.rows ? 1 : 0);
  put_be32(&v, p.next_uid);
  return v + encode_mailbox(p.mailbox);
}

// Chains slices: each is submitted from the previous one's completion.
struct SliceChain : std::enable_shared_from_this<SliceChain> {
  SliceChain(Committer& c, std::function<std::shared_ptr<SliceRequest>()> n, std::function<void(Result<void>)> d)
      : committer(c), next(std::move(n)), done(std::move(d)) {}
  void step() {
    std::shared_ptr<SliceRequest> slice = next();
    committer.submit(slice, [self = shared_from_this(), slice](Result<void> r) {
      if (!r) return self->done(std::move(r));
      if (slice->more()) return self->step();
      self->done({});
    });
  }
  Committer& committer;
  std::function<std::shared_ptr<SliceRequest>()> next;
  std::function<void(Result<void>)> done;
};

}  // namespace

void run_in_slices(Committer& committer, std::function<std::shared_ptr<SliceRequest>()> next,
                   std::function<void(Result<void>)> done) {
  std::make_shared<SliceChain>(committer, std::move(next), std::move(done))->step();
}

std::optional<PurgeMarker> decode_purge_marker(std::string_view key, std::string_view value) {
  if (key.size() != kPurgePrefix.size() + 8 || key.substr(0, kPurgePrefix.size()) != kPurgePrefix) return std::nullopt;
  if (value.size() < 6 || value[0] != kPurgeVersion || static_cast<unsigned char>(value[1]) > 1) return std::nullopt;
  auto mb = decode_mailbox(get_be64(key.data() + kPurgePrefix.size()), value.substr(6));
  if (!mb) return std::nullopt;
  return PurgeMarker{std::move(*mb), value[1] == 1, get_be32(value.data() + 2)};
}

void stage_mark_mailbox_deleted(GroupTxn& txn, const MailboxInfo& mailbox, const std::string& name_key) {
  PurgeMarker p{mailbox, false, 0};
  // Every message goes at one modseq above the last one handed out, as an
  // expunge of all of them would (tombstones and remove jobs carry it).
  ++p.mailbox.highestmodseq;
  txn.erase(kMailboxNamesCf, name_key);
  txn.erase_mailbox(mailbox.id);
  txn.put(kMetaCf, purge_key(mailbox.id), encode_purge(p));
}

Result<void> MarkAccountDeleted::stage(GroupTxn& txn) {
  auto account = stage_find_account(txn, name);
  if (!account) return account.error();
  if (!*account) return make_error(Errc::not_found, "no account " + name);
  const AccountId id = (*account)->id;

  // An account has a handful of mailboxes and subscriptions: this commit
  // stays small whatever the number of messages, which the purge slices
  // remove afterwards. With the quota row gone, they charge no usage.
  auto names = txn.scan(kMailboxNamesCf, id_key(id));
  if (!names) return names.error();
  for (const auto& [name_key, value] : *names) {
    if (value.size() != 8) return corrupt("mailbox name of account " + std::to_string(id));
    // Read through the group (and the committer's floors): the marker keeps
    // the record, so the purge's modseq is above every one handed out.
    auto mb = stage_mailbox(txn, get_be64(value.data()));
    if (!mb) return mb.error().code == Errc::not_found ? corrupt("mailbox name without a record") : mb.error();
    if (auto r = stage_drop_mailbox_metadata(txn, id, mb->id, false); !r) return r;
    stage_mark_mailbox_deleted(txn, *mb, name_key);
  }
  if (auto r = stage_drop_account_metadata(txn, id); !r) return r;
  auto subs = txn.scan(kSubscriptionsCf, id_key(id));
  if (!subs) return subs.error();
  for (const auto& row : *subs) txn.erase(kSubscriptionsCf, row.first);
  txn.erase(kQuotasCf, id_key(id));
  txn.erase(kAccountsCf, name);
  return {};
}

Result<void> PurgeSlice::stage(GroupTxn& txn) {
  more_ = false;
  removed = 0;
  auto markers = txn.scan(kMetaCf, std::string(kPurgePrefix), 1);
  if (!markers) return markers.error();
  if (markers->empty()) return {};
  const auto& [key, value] = markers->front();
  auto marker = decode_purge_marker(key, value);
  if (!marker) return corrupt("purge marker");
  PurgeMarker p = std::move(*marker);
  MailboxInfo& mb = p.mailbox;
  const size_t limit = std::max<uint32_t>(tuning_.purge_slice_messages, 1);
  bool finished = false;

  if (!p.rows) {
    auto rows = txn.scan_range(kMessagesCf, message_key(mb.id, p.next_uid), prefix_end(id_key(mb.id)), limit);
    if (!rows) return rows.error();
    std::map<BlobId, uint32_t> released;  // blob -> references dropped
    uint64_t chunks = 0;                  // chunk rows this slice deletes
    uint32_t last_uid = 0;
    for (const auto& [row_key, meta] : *rows) {
      if (removed > 0 && chunks >= tuning_.purge_slice_chunks) break;
      if (row_key.size() != 12) return corrupt("message key in mailbox " + std::to_string(mb.id));
      const uint32_t uid = get_be32(row_key.data() + 8);
      auto m = decode_message(uid, meta);
      if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mb.id));
      auto blob = txn.blob(m->blob);
      if (!blob) return blob.error();
      if (*blob && released[m->blob] + 1 == (*blob)->refs) chunks += chunk_count(**blob);
      // As an expunge removes it: tombstone, remove job, quota, counts, reference.
      if (auto r = stage_remove_message(txn, mb, *m, mb.highestmodseq, &released, nullptr); !r) return r;
      last_uid = uid;
      ++removed;
    }
    if (auto r = release_blobs(txn, released); !r) return r;
    const bool done = (removed == rows->size() && rows->size() < limit) || last_uid == UINT32_MAX;
    if (done) p.rows = true;
    else p.next_uid = last_uid + 1;
  } else {
    // No message is left: the change log (tombstones included) and the keyword
    // list go, a slice at a time, and with them the marker.
    size_t erased = 0;
    for (Cf cf : {kChangesCf, kKeywordsCf}) {
      auto rows = txn.scan(cf, id_key(mb.id), limit - erased);
      if (!rows) return rows.error();
      for (const auto& row : *rows) txn.erase(cf, row.first);
      erased += rows->size();
      if (erased == limit) break;
    }
    finished = erased < limit;
  }
  if (finished) txn.erase(kMetaCf, key);
  else txn.put(kMetaCf, key, encode_purge(p));
  auto rest = txn.scan(kMetaCf, std::string(kPurgePrefix), 1);
  if (!rest) return rest.error();
  more_ = !rest->empty();
  return {};
}

void Purger::kick() {
  {
    std::lock_guard lock(mu_);
    if (running_) {
      again_ = true;
      return;
    }
    running_ = true;
  }
  start();
}

void Purger::start() {
  run_in_slices(
      committer_,
      [this] {
        std::lock_guard lock(mu_);
        ++slices_;
        return std::make_shared<PurgeSlice>(tuning_);
      },
      [this](Result<void> r) { finished(std::move(r)); });
}

void Purger::finished(Result<void> result) {
  if (!result) log_warn("storage: purge paused (resumes at the next start): ", result.error().message);
  {
    std::lock_guard lock(mu_);
    const bool again = result.ok() && again_;
    again_ = false;
    if (!again) {
      running_ = false;
      idle_.notify_all();
      return;
    }
  }
  start();  // kicked while running: a marker may have come after the last slice looked
}

void Purger::wait_idle() {
  std::unique_lock lock(mu_);
  idle_.wait(lock, [this] { return !running_; });
}

uint64_t Purger::slices() const {
  std::lock_guard lock(mu_);
  return slices_;
}

}  // namespace loft::storage::rocks

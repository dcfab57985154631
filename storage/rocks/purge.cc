#include "storage/rocks/purge.h"

#include <map>
#include <utility>

#include "base/bytes.h"
#include "base/log.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

// kMetaCf: "purge/" + be64 mailbox -> v1 + be64 account + be32 next uid to purge.
constexpr std::string_view kPurgePrefix = "purge/";
constexpr char kPurgeVersion = 1;

std::string purge_key(MailboxId mailbox) {
  std::string k(kPurgePrefix);
  put_be64(&k, mailbox);
  return k;
}

std::string encode_purge(AccountId account, uint32_t next_uid) {
  std::string v(1, kPurgeVersion);
  put_be64(&v, account);
  put_be32(&v, next_uid);
  return v;
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

void stage_purge(GroupTxn& txn, MailboxId mailbox, AccountId account) {
  txn.put(kMetaCf, purge_key(mailbox), encode_purge(account, 0));
}

Result<void> MarkAccountDeleted::stage(GroupTxn& txn) {
  auto v = txn.get(kAccountsCf, name);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no account " + name);
  auto account = decode_account(**v);
  if (!account) return corrupt("account " + name);

  // An account has a handful of mailboxes: this commit stays small whatever
  // the number of messages, which the purge slices remove afterwards.
  auto names = txn.scan(kMailboxNamesCf, id_key(account->id));
  if (!names) return names.error();
  for (const auto& [name_key, value] : *names) {
    if (value.size() != 8) return corrupt("mailbox name of account " + std::to_string(account->id));
    const MailboxId mailbox = get_be64(value.data());
    txn.erase(kMailboxNamesCf, name_key);
    txn.erase_mailbox(mailbox);
    stage_purge(txn, mailbox, account->id);
  }
  txn.erase(kAccountsCf, name);
  return {};
}

Result<void> PurgeSlice::stage(GroupTxn& txn) {
  more_ = false;
  auto markers = txn.scan(kMetaCf, std::string(kPurgePrefix), 1);
  if (!markers) return markers.error();
  if (markers->empty()) return {};
  const auto& [key, value] = markers->front();
  if (key.size() != kPurgePrefix.size() + 8 || value.size() != 13 || value[0] != kPurgeVersion)
    return corrupt("purge marker");
  const MailboxId mailbox = get_be64(key.data() + kPurgePrefix.size());
  const AccountId account = get_be64(value.data() + 1);
  const uint32_t from = get_be32(value.data() + 9);

  const size_t limit = std::max<uint32_t>(tuning_.purge_slice_messages, 1);
  auto rows = txn.scan_range(kMessagesCf, message_key(mailbox, from), prefix_end(id_key(mailbox)), limit);
  if (!rows) return rows.error();
  std::map<BlobId, uint32_t> released;  // blob -> references dropped
  uint64_t chunks = 0;                  // chunk rows this slice deletes
  uint32_t last_uid = 0;
  removed = 0;
  for (const auto& [row_key, meta] : *rows) {
    if (removed > 0 && chunks >= tuning_.purge_slice_chunks) break;
    if (row_key.size() != 12) return corrupt("message key in mailbox " + std::to_string(mailbox));
    const uint32_t uid = get_be32(row_key.data() + 8);
    auto m = decode_message(uid, meta);
    if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
    auto blob = txn.blob(m->blob);
    if (!blob) return blob.error();
    uint32_t& dropped = released[m->blob];
    if (*blob && ++dropped == (*blob)->refs) chunks += chunk_count(**blob);
    if (!*blob) ++dropped;  // release_blobs logs the dangling reference
    txn.erase(kMessagesCf, row_key);
    last_uid = uid;
    ++removed;
  }
  if (auto r = release_blobs(txn, released); !r) return r;

  const bool mailbox_done = (removed == rows->size() && rows->size() < limit) || last_uid == UINT32_MAX;
  if (mailbox_done) txn.erase(kMetaCf, key);
  else txn.put(kMetaCf, key, encode_purge(account, last_uid + 1));
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

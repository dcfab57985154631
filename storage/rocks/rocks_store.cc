#include "storage/rocks/rocks_store.h"

#include <rocksdb/snapshot.h>

#include <algorithm>
#include <future>

#include "base/bytes.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/purge.h"
#include "storage/rocks/status.h"

namespace loft::storage {

Result<std::unique_ptr<Store>> Store::open(const Options& options) {
  auto store = rocks::RocksStore::open(options);
  if (!store) return store.error();
  return std::unique_ptr<Store>(std::move(*store));
}

namespace rocks {

namespace {

constexpr size_t kDefaultChunkSize = 64 * 1024;

rocksdb::Slice slice(const std::string& s) { return rocksdb::Slice(s.data(), s.size()); }

// A blocking call as a thin wrapper over its async variant.
template <class T, class Start>
Result<T> wait_for(Start start) {
  std::promise<Result<T>> promise;
  auto result = promise.get_future();
  start([&promise](Result<T> r) { promise.set_value(std::move(r)); });
  return result.get();
}

// A consistent view across several reads.
struct Snapshot {
  explicit Snapshot(rocksdb::DB* db) : snap(db) { ro.snapshot = snap.snapshot(); }
  rocksdb::ManagedSnapshot snap;
  rocksdb::ReadOptions ro;
};

// Calls f(key, value) for every key in [from, to) (to empty: no bound); stops
// early if f returns false.
template <class F>
Result<void> scan_range(const Db& db, Cf cf, const std::string& from, const std::string& to, rocksdb::ReadOptions ro,
                        F f) {
  rocksdb::Slice upper = slice(to);
  if (!to.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.cf(cf)));
  for (it->Seek(slice(from)); it->Valid(); it->Next())
    if (!f(it->key().ToStringView(), it->value().ToStringView())) break;
  if (!it->status().ok()) return to_error(it->status(), std::string("scanning ") + kCfNames[cf]);
  return {};
}

// scan_range over every key starting with prefix.
template <class F>
Result<void> scan(const Db& db, Cf cf, const std::string& prefix, const rocksdb::ReadOptions& ro, F f) {
  return scan_range(db, cf, prefix, prefix_end(prefix), ro, std::move(f));
}

Result<MailboxInfo> read_mailbox(const Db& db, MailboxId id, const rocksdb::ReadOptions& ro) {
  auto v = db.get(kMailboxesCf, id_key(id), ro);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(id));
  auto m = decode_mailbox(id, **v);
  if (!m) return corrupt("mailbox " + std::to_string(id));
  return *m;
}

Result<BlobRecord> read_blob(const Db& db, BlobId id, const rocksdb::ReadOptions& ro) {
  auto v = db.get(kBlobsCf, id_key(id), ro);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no body with id " + std::to_string(id));
  auto b = decode_blob(**v);
  if (!b) return corrupt("blob " + std::to_string(id));
  return *b;
}

}  // namespace

Result<std::unique_ptr<RocksStore>> RocksStore::open(const Options& options) { return open(options, Tuning{}); }

Result<std::unique_ptr<RocksStore>> RocksStore::open(const Options& options, const Tuning& tuning) {
  if (options.path.empty()) return make_error(Errc::bad_input, "no store path configured");
  auto db = Db::open(options.path, tuning);
  if (!db) return db.error();
  Counters counters;
  auto v = (*db)->get(kMetaCf, std::string(kCountersKey));
  if (!v) return v.error();
  if (*v) {
    auto c = decode_counters(**v);
    if (!c) return corrupt("counters (written by a newer release?)");
    counters = *c;
  }
  return std::unique_ptr<RocksStore>(new RocksStore(options, tuning, std::move(*db), counters));
}

RocksStore::RocksStore(const Options& options, const Tuning& tuning, std::unique_ptr<Db> db,
                       const Counters& counters)
    : options_(options), tuning_(tuning), db_(std::move(db)) {
  if (options_.chunk_size == 0 || options_.chunk_size > UINT32_MAX) options_.chunk_size = kDefaultChunkSize;
  committer_ = std::make_unique<Committer>(*db_, counters, options_.sync, options_.max_group, tuning_, feed_);
  purger_ = std::make_unique<Purger>(*committer_, tuning_);
  purger_->kick();  // resumes purges a crash interrupted
}

RocksStore::~RocksStore() {
  committer_.reset();  // drains the queue while the database is still open; a purge pauses
  purger_.reset();
  db_.reset();
}

Result<Account> RocksStore::create_account(std::string_view name, std::string_view password_hash) {
  if (name.empty()) return make_error(Errc::bad_input, "empty account name");
  CreateAccount r;
  r.name = ascii_lower(name);
  r.password_hash = password_hash;
  if (auto done = committer_->run(r); !done) return done.error();
  return r.out;
}

Result<Account> RocksStore::find_account(std::string_view name) {
  std::string lower = ascii_lower(name);
  auto v = db_->get(kAccountsCf, lower);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no account " + lower);
  auto a = decode_account(**v);
  if (!a) return corrupt("account " + lower);
  return Account{a->id, lower, a->password_hash};
}

Result<void> RocksStore::set_password(std::string_view name, std::string_view password_hash) {
  SetPassword r;
  r.name = ascii_lower(name);
  r.password_hash = password_hash;
  return committer_->run(r);
}

Result<void> RocksStore::delete_account(std::string_view name) {
  MarkAccountDeleted r;
  r.name = ascii_lower(name);
  if (auto done = committer_->run(r); !done) return done;
  // Invisible from here on; the messages go in bounded slices between other commits.
  purger_->kick();
  purger_->wait_idle();
  return {};
}

Result<std::vector<Account>> RocksStore::list_accounts() {
  std::vector<Account> out;
  bool bad = false;
  auto done = scan(*db_, kAccountsCf, std::string(), {}, [&](std::string_view key, std::string_view value) {
    auto a = decode_account(value);
    if (!a) return !(bad = true);
    out.push_back(Account{a->id, std::string(key), a->password_hash});
    return true;
  });
  if (!done) return done.error();
  if (bad) return corrupt("account list");
  return out;
}

Result<MailboxInfo> RocksStore::find_mailbox(AccountId account, std::string_view name) {
  Snapshot s(db_->db());
  const std::string_view stored = iequals(name, kInboxName) ? kInboxName : name;
  auto v = db_->get(kMailboxNamesCf, mailbox_name_key(account, stored), s.ro);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no mailbox " + std::string(name));
  if ((*v)->size() != 8) return corrupt("mailbox name " + std::string(name));
  return read_mailbox(*db_, get_be64((*v)->data()), s.ro);
}

Result<std::vector<MailboxInfo>> RocksStore::list_mailboxes(AccountId account) {
  Snapshot s(db_->db());
  std::vector<MailboxId> ids;
  auto done = scan(*db_, kMailboxNamesCf, id_key(account), s.ro, [&](std::string_view, std::string_view value) {
    if (value.size() == 8) ids.push_back(get_be64(value.data()));
    return true;
  });
  if (!done) return done.error();
  if (ids.empty()) return make_error(Errc::not_found, "no account with id " + std::to_string(account));
  std::vector<MailboxInfo> out;
  for (MailboxId id : ids) {
    auto m = read_mailbox(*db_, id, s.ro);
    if (!m) return m.error();
    out.push_back(std::move(*m));
  }
  return out;
}

Result<std::vector<DeliveredCopy>> RocksStore::deliver(std::string_view body, std::span<const AccountId> accounts,
                                                       int64_t internal_date) {
  return wait_for<std::vector<DeliveredCopy>>([&](auto done) { deliver_async(body, accounts, internal_date, done); });
}

void RocksStore::deliver_async(std::string_view body, std::span<const AccountId> accounts, int64_t internal_date,
                               Done<std::vector<DeliveredCopy>> done) {
  if (accounts.empty()) return done(make_error(Errc::bad_input, "delivery without recipients"));
  auto r = std::make_shared<Deliver>();
  // The expensive part runs here, in parallel across callers, not on the committer.
  r->body = prepare_body(body, static_cast<uint32_t>(options_.chunk_size));
  r->accounts.assign(accounts.begin(), accounts.end());
  r->internal_date = internal_date;
  committer_->submit(r, [r, done = std::move(done)](Result<void> ok) {
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

Result<std::vector<MessageSummary>> RocksStore::message_index(MailboxId mailbox) {
  Snapshot s(db_->db());
  if (auto m = read_mailbox(*db_, mailbox, s.ro); !m) return m.error();
  std::vector<MessageSummary> out;
  bool bad = false;
  auto done = scan(*db_, kMessagesCf, id_key(mailbox), s.ro, [&](std::string_view key, std::string_view value) {
    auto m = key.size() == 12 ? decode_message(get_be32(key.data() + 8), value) : std::nullopt;
    if (!m) return !(bad = true);
    out.push_back(MessageSummary{m->uid, m->flags, m->modseq});
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
  for (uint32_t uid : uids) {
    auto v = db_->get(kMessagesCf, message_key(mailbox, uid), s.ro);
    if (!v) return v.error();
    if (!*v) continue;
    auto m = decode_message(uid, **v);
    if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
    out.push_back(std::move(*m));
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

Result<std::vector<MessageSummary>> RocksStore::update_flags(MailboxId mailbox, std::span<const uint32_t> uids,
                                                             FlagOp op, uint32_t flags) {
  return wait_for<std::vector<MessageSummary>>(
      [&](auto done) { update_flags_async(mailbox, uids, op, flags, done); });
}

void RocksStore::update_flags_async(MailboxId mailbox, std::span<const uint32_t> uids, FlagOp op, uint32_t flags,
                                    Done<std::vector<MessageSummary>> done) {
  auto r = std::make_shared<UpdateFlags>();
  r->mailbox = mailbox;
  r->uids.assign(uids.begin(), uids.end());
  r->op = op;
  r->flags = flags;
  committer_->submit(r, [r, done = std::move(done)](Result<void> ok) {
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

Result<std::vector<uint32_t>> RocksStore::expunge(MailboxId mailbox, std::span<const uint32_t> uids) {
  return wait_for<std::vector<uint32_t>>([&](auto done) { expunge_async(mailbox, uids, done); });
}

void RocksStore::expunge_async(MailboxId mailbox, std::span<const uint32_t> uids, Done<std::vector<uint32_t>> done) {
  auto r = std::make_shared<Expunge>();
  r->mailbox = mailbox;
  r->uids.assign(uids.begin(), uids.end());
  committer_->submit(r, [r, done = std::move(done)](Result<void> ok) {
    if (!ok) return done(ok.error());
    done(std::move(r->out));
  });
}

Result<BlobInfo> RocksStore::blob_info(BlobId blob) {
  auto b = read_blob(*db_, blob, {});
  if (!b) return b.error();
  return BlobInfo{b->size, b->refs};
}

StoreStats RocksStore::stats() { return committer_->stats(); }

bool RocksStore::failed() { return committer_->failed(); }

void RocksStore::fail_next_writes_for_testing(uint32_t n, bool after_write) {
  committer_->fail_next_writes_for_testing(n, after_write ? Committer::FailPoint::after_write
                                                          : Committer::FailPoint::before_write);
}

uint64_t RocksStore::write_stalls() const { return db_->write_stalls(); }

uint64_t RocksStore::purge_slices() const { return purger_->slices(); }

void RocksStore::wait_for_purges() { purger_->wait_idle(); }

}  // namespace rocks
}  // namespace loft::storage

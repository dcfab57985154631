#include "storage/rocks/rocks_store.h"

#include <algorithm>

#include "base/bytes.h"
#include "storage/rocks/check.h"
#include "storage/rocks/body_writer.h"
#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/mutations.h"
#include "storage/rocks/object_key.h"
#include "storage/rocks/txn_util.h"
#include "storage/rocks/mailbox_ops.h"
#include "storage/rocks/purge.h"
#include "storage/rocks/read_util.h"
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
  // Before any writer or commit: what is pending now was left by a crash.
  auto removed = remove_pending_bodies(**db);
  if (!removed) return removed.error();
  auto ids = BlobIds::open(**db, counters.next_blob, options.sync);
  if (!ids) return ids.error();
  auto object_key = load_object_key(**db, options.sync);
  if (!object_key) return object_key.error();
  std::unique_ptr<RocksStore> store(new RocksStore(options, tuning, std::move(*db), std::move(*ids), counters));
  store->pending_removed_ = *removed;
  store->object_key_ = std::move(*object_key);
  return store;
}

RocksStore::RocksStore(const Options& options, const Tuning& tuning, std::unique_ptr<Db> db,
                       std::unique_ptr<BlobIds> ids, const Counters& counters)
    : options_(options), tuning_(tuning), db_(std::move(db)), blob_ids_(std::move(ids)) {
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

Result<void> RocksStore::run_and_purge(Request& request) {
  if (auto done = committer_->run(request); !done) return done;
  // Invisible from here on; the messages go in bounded slices between other commits.
  purger_->kick();
  purger_->wait_idle();
  return {};
}

Result<void> RocksStore::delete_account(std::string_view name) {
  MarkAccountDeleted r;
  r.name = ascii_lower(name);
  return run_and_purge(r);
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
  auto v = db_->get(kMailboxNamesCf, mailbox_name_key(account, stored_name(name)), s.ro);
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

Result<MailboxInfo> RocksStore::create_mailbox(AccountId account, std::string_view name, uint32_t special_use) {
  CreateMailbox r;
  r.account = account;
  r.name = name;
  r.special_use = special_use;
  if (auto done = committer_->run(r); !done) return done.error();
  return std::move(r.out);
}

Result<void> RocksStore::delete_mailbox(AccountId account, std::string_view name) {
  DeleteMailbox r;
  r.account = account;
  r.name = name;
  return run_and_purge(r);
}

Result<void> RocksStore::rename_mailbox(AccountId account, std::string_view from, std::string_view to) {
  RenameMailbox r;
  r.account = account;
  r.from = from;
  r.to = to;
  return committer_->run(r);
}

Result<void> RocksStore::set_special_use(MailboxId mailbox, uint32_t special_use) {
  SetSpecialUse r;
  r.mailbox = mailbox;
  r.special_use = special_use;
  return committer_->run(r);
}

Result<std::vector<std::string>> RocksStore::names_under(uint64_t id, int cf) {
  std::vector<std::string> out;
  auto done = scan(*db_, static_cast<Cf>(cf), id_key(id), {}, [&](std::string_view key, std::string_view) {
    out.emplace_back(key.substr(8));
    return true;
  });
  if (!done) return done.error();
  return out;
}

Result<std::vector<std::string>> RocksStore::mailbox_keywords(MailboxId mailbox) {
  if (auto m = read_mailbox(*db_, mailbox, {}); !m) return m.error();
  return names_under(mailbox, kKeywordsCf);
}

Result<void> RocksStore::subscribe(AccountId account, std::string_view name) {
  SetSubscription r;
  r.account = account;
  r.name = name;
  return committer_->run(r);
}

Result<void> RocksStore::unsubscribe(AccountId account, std::string_view name) {
  SetSubscription r;
  r.account = account;
  r.name = name;
  r.subscribe = false;
  return committer_->run(r);
}

Result<std::vector<std::string>> RocksStore::subscriptions(AccountId account) {
  return names_under(account, kSubscriptionsCf);
}

StoreStats RocksStore::stats() { return committer_->stats(); }

bool RocksStore::failed() {
  committer_->check_background_error();
  return committer_->failed();
}

uint64_t RocksStore::write_stalls() const { return db_->write_stalls(); }

uint64_t RocksStore::purge_slices() const { return purger_->slices(); }

void RocksStore::wait_for_purges() { purger_->wait_idle(); }

Result<std::vector<CheckIssue>> RocksStore::check(bool repair) {
  return run_checks(*db_, *committer_, repair, blob_ids_->first());
}

void RocksStore::fail_next_writes_for_testing(uint32_t n, bool after_write) {
  committer_->fail_next_writes_for_testing(n, after_write ? Committer::FailPoint::after_write
                                                          : Committer::FailPoint::before_write);
}

}  // namespace rocks
}  // namespace loft::storage

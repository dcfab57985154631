#include "server/imap/shared_index.h"

#include <algorithm>
#include <list>
#include <map>
#include <set>

#include "base/log.h"
#include "server/connection.h"
#include "server/imap/mailbox_view.h"
#include "server/loop.h"
#include "server/server.h"

namespace loft::server::imap {

namespace {
// Each loop thread has its own registry: an index is used by one loop only.
using Registry = std::map<storage::MailboxId, std::weak_ptr<SharedIndex>>;
// The registry of this thread while it exists; null before first use and
// after thread exit destroyed it (an index freed later must not touch it).
thread_local Registry* t_registry = nullptr;

struct RegistryHolder {
  Registry map;
  RegistryHolder() { t_registry = &map; }
  ~RegistryHolder() { t_registry = nullptr; }
};

Registry& registry() {
  thread_local RegistryHolder holder;  // freed with the thread
  return holder.map;
}

// Recently used indexes nobody has selected any more, front = most recent.
// Emptied by the loop's at_close hook, while the loop (and its watches) exist.
struct RecentCache {
  std::list<std::shared_ptr<SharedIndex>> lru;
  Loop* hooked = nullptr;  // the loop whose at_close empties this cache
};

RecentCache& recent() {
  thread_local RecentCache cache;
  return cache;
}

// At most this many cached indexes per loop whatever their size: each holds a
// change-feed watch, and watches are looked up linearly when one goes.
constexpr size_t kMaxCachedIndexes = 1024;
// What an index costs beyond its entries (object, watch, registry slot).
constexpr size_t kIndexOverhead = 512;

void forget_recent(SharedIndex* index) {
  auto& lru = recent().lru;
  for (auto it = lru.begin(); it != lru.end(); ++it)
    if (it->get() == index) {
      auto keep = std::move(*it);  // not destroyed while erasing: the caller holds it
      lru.erase(it);
      return;
    }
}

// Distinct keyword sets kept before unused ones are dropped.
constexpr size_t kMaxKeywordSets = 1 << 16;

}  // namespace

SharedIndex::~SharedIndex() {
  if (server_ && watch_) server_->unwatch_mailbox(watch_);
  if (t_registry) {
    auto it = t_registry->find(mailbox_);
    if (it != t_registry->end() && it->second.expired()) t_registry->erase(it);
  }
}

std::shared_ptr<SharedIndex> SharedIndex::acquire(Server& server, storage::MailboxId mailbox) {
  auto& reg = registry();
  if (auto it = reg.find(mailbox); it != reg.end())
    if (auto live = it->second.lock()) return live;
  auto index = std::make_shared<SharedIndex>(mailbox);
  index->server_ = &server;
  std::weak_ptr<SharedIndex> weak = index;
  // The watch begins before any load, so an event committed while the index
  // is read is buffered and applied after (never missed).
  index->watch_ = server.watch_mailbox(mailbox, [weak](const storage::MailboxChange& change) {
    if (auto self = weak.lock()) self->apply(change);  // self stays alive while views are told
  });
  reg[mailbox] = index;
  return index;
}

void SharedIndex::ensure_loading(Connection& conn) {
  if (loaded_ || loading_) return;
  loading_ = true;
  std::weak_ptr<SharedIndex> weak = shared_from_this();
  Loop* loop = &conn.loop();
  storage::Store* store = &conn.server().store();
  storage::MailboxId id = mailbox_;
  // The result comes back by post, not by the connection's `done`: the load
  // serves every session waiting for it, even if this connection closes.
  // (The connection object outlives the work, so the loop is still there.)
  conn.offload(
      [weak, loop, store, id] {
        auto index = std::make_shared<Result<std::vector<storage::MessageSummary>>>(store->message_index(id));
        if (*index) log_debug("imap: mailbox ", id, " index read from the store (", index->value().size(), " messages)");
        loop->post([weak, index] {
          auto self = weak.lock();
          if (!self) return;
          if (*index) self->load(std::move(index->value()));
          else self->load_failed(index->error());
        });
      },
      [] {});
}

void SharedIndex::load(std::vector<storage::MessageSummary> index) {
  if (loaded_) return;
  entries_.clear();
  entries_.reserve(index.size());
  for (auto& m : index) {
    entries_.push_back(Entry{m.uid, (m.flags & 0xffu) | (intern(m.keywords) << 8), m.modseq});
    highestmodseq_ = std::max(highestmodseq_, m.modseq);
  }
  if (!entries_.empty()) uidnext_ = std::max(uidnext_, entries_.back().uid + 1);
  index = {};
  for (const auto& change : early_) apply_now(change, nullptr);
  early_.clear();
  early_.shrink_to_fit();
  loaded_ = true;
  loading_ = false;
  auto self = shared_from_this();  // a view's ready callback may drop the last other reference
  for_each_view(nullptr, [](MailboxView* v) { v->on_loaded(nullptr); });
}

void SharedIndex::load_failed(const Error& error) {
  loading_ = false;
  auto self = shared_from_this();
  for_each_view(nullptr, [&error](MailboxView* v) { v->on_loaded(&error); });
}

void SharedIndex::apply(const storage::MailboxChange& change) {
  if (!loaded_) {
    early_.push_back(change);
    return;
  }
  apply_now(change, nullptr);
}

const SharedIndex::Entry* SharedIndex::find(uint32_t uid) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), uid, Entry::uid_before);
  return it != entries_.end() && it->uid == uid ? &*it : nullptr;
}

std::span<const std::string> SharedIndex::keywords(const Entry& e) const { return keyword_sets_[e.keyword_set()]; }

std::vector<std::string> SharedIndex::defined_keywords() const {
  std::vector<bool> used(keyword_sets_.size(), false);
  for (const Entry& e : entries_) used[e.keyword_set()] = true;
  std::set<std::string> all;
  for (size_t i = 1; i < keyword_sets_.size(); ++i)
    if (used[i]) all.insert(keyword_sets_[i].begin(), keyword_sets_[i].end());
  return {all.begin(), all.end()};
}

size_t SharedIndex::memory() const {
  size_t n = sizeof(*this) + entries_.capacity() * sizeof(Entry);
  for (const auto& s : keyword_sets_) {
    n += sizeof(s) + s.capacity() * sizeof(std::string);
    for (const auto& k : s) n += k.capacity();
  }
  return n;
}

uint32_t SharedIndex::intern(std::span<const std::string> keywords) {
  if (keywords.empty()) return 0;
  std::string key;
  for (const auto& k : keywords) key.append(k).push_back('\0');
  auto it = keyword_ids_.find(key);
  if (it != keyword_ids_.end()) return it->second;
  if (keyword_sets_.size() >= kMaxKeywordSets) compact_keyword_sets();
  uint32_t id = static_cast<uint32_t>(keyword_sets_.size());
  keyword_sets_.emplace_back(keywords.begin(), keywords.end());
  keyword_ids_.emplace(std::move(key), id);
  return id;
}

void SharedIndex::compact_keyword_sets() {
  // Sets no message uses any more are dropped and the ids renumbered.
  std::vector<uint32_t> remap(keyword_sets_.size(), 0);
  for (const Entry& e : entries_) remap[e.keyword_set()] = 1;
  std::vector<std::vector<std::string>> kept{{}};
  keyword_ids_.clear();
  for (size_t i = 1; i < keyword_sets_.size(); ++i) {
    if (!remap[i]) continue;
    remap[i] = static_cast<uint32_t>(kept.size());
    std::string key;
    for (const auto& k : keyword_sets_[i]) key.append(k).push_back('\0');
    keyword_ids_.emplace(std::move(key), remap[i]);
    kept.push_back(std::move(keyword_sets_[i]));
  }
  for (Entry& e : entries_) e.bits = e.flags() | (remap[e.keyword_set()] << 8);
  keyword_sets_ = std::move(kept);
}

bool SharedIndex::take_flags(Entry& e, uint32_t flags, std::span<const std::string> keywords, uint64_t modseq) {
  if (modseq <= e.modseq) return false;  // already applied (own change, or the loaded snapshot)
  e.bits = (flags & 0xffu) | (intern(keywords) << 8);
  e.modseq = modseq;
  return true;
}

std::vector<uint32_t> SharedIndex::remove_sorted(std::span<const uint32_t> sorted_uids) {
  // One pass for the whole batch: an EXPUNGE of thousands costs one move of the vector.
  std::vector<uint32_t> gone;
  auto out = entries_.begin();
  auto s = sorted_uids.begin();
  for (auto in = entries_.begin(); in != entries_.end(); ++in) {
    while (s != sorted_uids.end() && *s < in->uid) ++s;
    if (s != sorted_uids.end() && *s == in->uid) gone.push_back(in->uid);
    else *out++ = *in;
  }
  entries_.erase(out, entries_.end());
  return gone;
}

void SharedIndex::set_flags(std::span<const storage::MessageSummary> changes, MailboxView* origin) {
  std::vector<uint32_t> applied;
  for (const auto& m : changes) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), m.uid, Entry::uid_before);
    if (it == entries_.end() || it->uid != m.uid || !take_flags(*it, m.flags, m.keywords, m.modseq)) continue;
    highestmodseq_ = std::max(highestmodseq_, m.modseq);
    applied.push_back(m.uid);
  }
  if (applied.empty()) return;
  std::sort(applied.begin(), applied.end());
  applied.erase(std::unique(applied.begin(), applied.end()), applied.end());
  tell_views({}, applied, false, origin);
}

void SharedIndex::expunge(std::span<const uint32_t> sorted_uids, MailboxView* origin) {
  std::vector<uint32_t> gone = remove_sorted(sorted_uids);
  if (!gone.empty()) tell_views(gone, {}, false, origin);
}

void SharedIndex::apply_now(const storage::MailboxChange& change, MailboxView* origin) {
  std::vector<uint32_t> flagged;
  bool added = false;
  auto upsert = [&](const storage::ChangedMessage& m, bool insert) {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), m.uid, Entry::uid_before);
    if (it != entries_.end() && it->uid == m.uid) {
      if (take_flags(*it, m.flags, m.keywords, m.modseq)) flagged.push_back(m.uid);
    } else if (insert) {
      // at the end, unless replayed after a load
      entries_.insert(it, Entry{m.uid, (m.flags & 0xffu) | (intern(m.keywords) << 8), m.modseq});
      added = true;
    }
  };
  for (const auto& m : change.added) upsert(m, true);
  for (const auto& m : change.changed) upsert(m, false);
  std::vector<uint32_t> gone;
  if (!change.expunged.empty()) {
    std::vector<uint32_t> wanted(change.expunged.begin(), change.expunged.end());
    std::sort(wanted.begin(), wanted.end());
    gone = remove_sorted(wanted);
  }
  for (const auto& m : change.added) uidnext_ = std::max(uidnext_, m.uid + 1);
  uidnext_ = std::max(uidnext_, change.uidnext);
  highestmodseq_ = std::max(highestmodseq_, change.highestmodseq);
  std::sort(flagged.begin(), flagged.end());
  flagged.erase(std::unique(flagged.begin(), flagged.end()), flagged.end());
  if (gone.empty() && flagged.empty() && !added) return;
  tell_views(gone, flagged, added, origin);
}

void SharedIndex::tell_views(std::span<const uint32_t> expunged, std::span<const uint32_t> flagged, bool added,
                             MailboxView* origin) {
  auto self = shared_from_this();  // a view's notify (IDLE push) may end its session
  for_each_view(origin, [&](MailboxView* v) {
    if (!expunged.empty()) v->note_expunged(expunged);
    if (!flagged.empty()) v->note_flags(flagged);
  });
  (void)added;  // new messages are found by each view from entries_
  for_each_view(origin, [](MailboxView* v) { v->note_changed(); });
}

template <class F>
void SharedIndex::for_each_view(MailboxView* skip, F&& f) {
  // A callback may detach views (a session ends, or SELECTs again): they are
  // nulled, not erased, until the outermost walk is over; views attached
  // meanwhile are not visited.
  ++walking_;
  for (size_t i = 0, n = views_.size(); i < n; ++i)
    if (views_[i] && views_[i] != skip) f(views_[i]);
  if (--walking_ == 0) std::erase(views_, nullptr);
}

void SharedIndex::attach(MailboxView* view) {
  if (views_.empty()) forget_recent(this);
  views_.push_back(view);
}

void SharedIndex::detach(MailboxView* view) {
  auto it = std::find(views_.begin(), views_.end(), view);
  if (it == views_.end()) return;
  if (walking_) *it = nullptr;
  else views_.erase(it);
  if (std::any_of(views_.begin(), views_.end(), [](MailboxView* v) { return v != nullptr; })) return;
  // The last view left: keep the index for the next SELECT, within the bound.
  Loop* loop = Loop::current();
  if (!loaded_ || !server_ || !loop || loop->stopping()) return;
  const size_t limit = server_->config().limits.mailbox_cache_mb << 20;
  if (memory() + kIndexOverhead > limit) return;
  RecentCache& cache = recent();
  if (cache.hooked != loop) {
    cache.hooked = loop;
    loop->at_close([] {
      recent().hooked = nullptr;
      recent().lru.clear();
    });
  }
  cache.lru.push_front(shared_from_this());
  size_t bytes = 0, count = 0;
  for (auto it = cache.lru.begin(); it != cache.lru.end();) {
    bytes += (*it)->memory() + kIndexOverhead;
    if (++count > kMaxCachedIndexes || bytes > limit) {
      // Moved out before the erase: its destructor may touch the registry.
      auto evicted = std::move(*it);
      it = cache.lru.erase(it);
      bytes -= evicted->memory() + kIndexOverhead;
      --count;
    } else {
      ++it;
    }
  }
}

size_t SharedIndex::cached_count() { return recent().lru.size(); }

}  // namespace loft::server::imap

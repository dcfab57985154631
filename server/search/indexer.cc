// The search indexer (see indexer.h).
#include "server/search/indexer.h"

#include <unordered_map>

#include "base/log.h"
#include "server/search/attachments.h"
#include "server/search/extract.h"

namespace loft::server::search {

std::string index_dir(const std::string& data_dir, storage::AccountId account) {
  return data_dir + "/search/" + std::to_string(account);
}

Result<loft::search::Index*> Indexer::writer(storage::AccountId account) {
  auto it = writers_.find(account);
  if (it != writers_.end()) return &it->second;
  if (writers_.size() >= kMaxOpenWriters) {
    // Bounded: close one, committing first what the running batch gave it
    // (the batch's jobs are deleted only once every touched index committed).
    auto victim = writers_.begin();
    if (auto r = victim->second.commit(); !r) return r.error();
    writers_.erase(victim);
  }
  auto opened = loft::search::Index::open(index_dir(data_dir_, account));
  if (!opened) return opened.error();
  // Before this writer adds a document with stems of this process's languages.
  if (auto r = opened->prepare_stems(stem_signature()); !r) return r.error();
  // Text of other attachment extractors (or none) makes the index wrong for
  // this process: it reads as rebuilding (scanned) until rebuild_if_needed.
  auto same = opened->prepare_attachments(attachment_signature());
  if (!same) return same.error();
  if (!*same) {
    log_info("search: the index of account ", account, " was made with other attachment extractors");
    if (auto r = opened->set_rebuilding(true); !r) return r.error();
    if (auto r = opened->commit(); !r) return r.error();
  }
  return &writers_.emplace(account, std::move(*opened)).first->second;
}

Result<void> Indexer::index_message(loft::search::Index& index, storage::MailboxId mailbox,
                                    const storage::MessageMeta& meta) {
  loft::search::MessageTerms terms;
  storage::BlobId blob = meta.blob;
  auto r = extract_terms([this, blob](uint64_t off, uint64_t len) { return store_.read_body(blob, off, len); },
                         meta.size, meta.header_size, &terms);
  if (!r) return r;
  return index.add(mailbox, meta.uid, terms);
}

Result<std::map<storage::AccountId, std::set<storage::MailboxId>>> Indexer::live_mailboxes(
    const std::vector<storage::IndexJob>& jobs) {
  std::map<storage::AccountId, std::set<storage::MailboxId>> live;
  for (const auto& j : jobs) {
    if (live.count(j.account)) continue;
    auto boxes = store_.list_mailboxes(j.account);
    if (!boxes && boxes.error().code != Errc::not_found) return boxes.error();
    auto& ids = live[j.account];
    if (boxes)
      for (const auto& mb : *boxes) ids.insert(mb.id);
  }
  return live;
}

Result<size_t> Indexer::run_batch(size_t max, const std::atomic<bool>* cancel) {
  auto jobs = store_.index_jobs(max);
  if (!jobs) return jobs.error();
  if (jobs->empty()) return size_t{0};
  // The records of the messages to add, per mailbox, in one read each.
  std::map<storage::MailboxId, std::vector<uint32_t>> wanted;
  for (const auto& j : *jobs) {
    if (j.add) wanted[j.mailbox].push_back(j.uid);
  }
  std::map<std::pair<storage::MailboxId, uint32_t>, storage::MessageMeta> metas;
  for (auto& [mailbox, uids] : wanted) {
    auto got = store_.messages(mailbox, uids);
    if (!got) return got.error();
    for (auto& m : *got) metas.emplace(std::make_pair(mailbox, m.uid), std::move(m));
  }
  // Deleted mailboxes and accounts: the store turns their messages into
  // remove jobs (purge slices); the index drops them wholesale.
  auto live = live_mailboxes(*jobs);
  if (!live) return live.error();
  std::set<storage::AccountId> touched;
  std::set<storage::MailboxId> forgotten;
  std::set<storage::AccountId> dropped;
  for (size_t i = 0; i < jobs->size(); ++i) {
    // Stopping: commit and acknowledge what is done, so shutdown waits for
    // one message at most, not a whole batch of large ones.
    if (cancel && cancel->load(std::memory_order_relaxed)) {
      jobs->resize(i);
      break;
    }
    const auto& j = (*jobs)[i];
    const auto& boxes = (*live)[j.account];
    if (boxes.empty()) {  // account deleted: its directory goes, once
      if (dropped.insert(j.account).second) {
        if (auto r = drop_account(j.account); !r) return r.error();
      }
      touched.erase(j.account);
      continue;
    }
    auto index = writer(j.account);
    if (!index) return index.error();
    touched.insert(j.account);
    if (!boxes.count(j.mailbox)) {  // mailbox deleted: all its documents and its mark
      if (forgotten.insert(j.mailbox).second) {
        if (auto r = (*index)->forget_mailbox(j.mailbox); !r) return r.error();
      }
      continue;
    }
    if (!j.add) {
      if (auto r = (*index)->remove(j.mailbox, j.uid); !r) return r.error();
      continue;
    }
    auto it = metas.find({j.mailbox, j.uid});
    if (it != metas.end()) {
      auto r = index_message(**index, j.mailbox, it->second);
      // A body gone meanwhile (expunged and purged) has nothing to index.
      if (!r && r.error().code != Errc::not_found) return r.error();
    }
    // Adds come in uid order within a mailbox (uids and modseqs grow
    // together), so every uid up to this one is done: see docs/search.md.
    if (auto r = (*index)->set_indexed_through(j.mailbox, j.uid); !r) return r.error();
  }
  for (storage::AccountId a : touched) {
    auto open = writers_.find(a);
    if (open == writers_.end()) continue;  // closed mid-batch by writer(): committed then
    if (auto r = open->second.commit(); !r) return r.error();
  }
  // Only now are the jobs done: a crash before this line repeats them.
  if (jobs->empty()) return size_t{0};
  if (auto r = store_.delete_index_jobs(*jobs); !r) return r.error();
  for (storage::AccountId a : touched) {
    if (cancel && cancel->load(std::memory_order_relaxed)) break;
    if (auto r = rebuild_if_needed(a, cancel); !r) return r.error();
  }
  return jobs->size();
}

Result<void> Indexer::rebuild_if_needed(storage::AccountId account, const std::atomic<bool>* cancel) {
  auto index = writer(account);
  if (!index) return index.error();
  auto st = (*index)->stats();
  if (!st) return st.error();
  const bool dead = st->dead >= kRebuildDead && st->dead > st->documents;
  if (!dead && !st->rebuilding) return {};
  log_info("search: rebuilding the index of account ", account, dead ? " (mostly expunged messages: " : " (",
           dead ? std::to_string(st->dead) + " dead, " + std::to_string(st->documents) + " live)"
                : "unfinished rebuild or older term scheme)");
  auto r = rebuild(account, {}, cancel);
  if (!r) return r.error();
  return {};
}

Result<void> Indexer::drop_account(storage::AccountId account) {
  writers_.erase(account);
  return loft::search::remove_index(index_dir(data_dir_, account));
}

Result<bool> Indexer::optimize(storage::AccountId account) {
  writers_.erase(account);  // compaction takes the write lock
  const std::string dir = index_dir(data_dir_, account);
  if (!loft::search::Index::open_reader(dir)) return false;  // nothing indexed yet
  if (auto r = loft::search::optimize_index(dir); !r) return r.error();
  return true;
}

Result<uint64_t> Indexer::rebuild(storage::AccountId account, const std::function<void(uint64_t, uint64_t)>& progress,
                                  const std::atomic<bool>* cancel) {
  if (auto r = drop_account(account); !r) return r.error();
  auto mailboxes = store_.list_mailboxes(account);
  if (!mailboxes) return mailboxes.error();
  uint64_t total = 0, done = 0;
  for (const auto& mb : *mailboxes) total += mb.messages;
  auto index = writer(account);
  if (!index) return index.error();
  // Committed first: until the end, searches of this account scan.
  if (auto r = (*index)->set_rebuilding(true); !r) return r.error();
  if (auto r = (*index)->commit(); !r) return r.error();
  for (const auto& mb : *mailboxes) {
    auto summaries = store_.message_index(mb.id);
    if (!summaries) return summaries.error();
    for (size_t at = 0; at < summaries->size(); at += kRebuildBatch) {
      std::vector<uint32_t> uids;
      for (size_t i = at; i < std::min(summaries->size(), at + kRebuildBatch); ++i) uids.push_back((*summaries)[i].uid);
      auto metas = store_.messages(mb.id, uids);
      if (!metas) return metas.error();
      for (const auto& m : *metas) {
        // Checked per message: loftd's SIGTERM waits for one message, not a batch.
        if (cancel && cancel->load(std::memory_order_relaxed))
          return make_error(Errc::temp, "rebuild interrupted (the account is scanned until it is rebuilt)");
        auto r = index_message(**index, mb.id, m);
        if (!r && r.error().code != Errc::not_found) return r.error();
        if (++done % kProgressEvery == 0 && progress) progress(done, total);
      }
      if (!uids.empty()) {
        if (auto r = (*index)->set_indexed_through(mb.id, uids.back()); !r) return r.error();
      }
      if (auto r = (*index)->commit(); !r) return r.error();
    }
  }
  if (auto r = (*index)->set_rebuilding(false); !r) return r.error();
  if (auto r = (*index)->commit(); !r) return r.error();
  if (progress) progress(done, total);
  return done;
}

}  // namespace loft::server::search

#include "server/imap/sort_job.h"

#include <algorithm>
#include <unordered_map>

#include "protocol/imap/esearch.h"
#include "protocol/imap/search_fuzzy.h"
#include "protocol/imap/thread.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"
#include "server/connection.h"
#include "server/imap/search_res.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

void SortJob::start(ImapSession& s, const std::string& tag, Request request, pi::CmdSearch search) {
  storage::MailboxId mailbox = s.selected()->info.id;
  search.uid = false;  // hits as sequence numbers; the reply maps them to UIDs if asked
  auto search_job = SearchJob::for_selected(s, tag, std::move(search));  // "$" read here
  // RFC 5182 §2.1: a SORT SAVE that fails (here or in its search) leaves "$"
  // empty; the result replaces it on success (step).
  if (request.ret && request.ret->save) s.selected()->search_result.clear();
  std::vector<uint32_t> uids = search_job->view_uids();
  search_job->on_done([&s, tag, request = std::move(request), uids = std::move(uids), mailbox](
                          std::vector<uint32_t> hits, std::vector<uint8_t> scores) mutable {
    auto job = std::make_shared<SortJob>(s, tag, std::move(request), std::move(uids), std::move(hits), mailbox);
    job->set_scores(std::move(scores));
    step(std::move(job));
  });
  SearchJob::start(std::move(search_job));
}

void SortJob::collect(ImapSession& s, const std::string& tag, std::vector<pi::SortCriterion> criteria,
                      pi::CmdSearch search, Collect done) {
  storage::MailboxId mailbox = s.selected()->info.id;
  search.uid = false;
  search.ret.reset();
  auto search_job = SearchJob::for_selected(s, tag, std::move(search));
  std::vector<uint32_t> uids = search_job->view_uids();
  search_job->on_error([done](const Error& e) { done(e); });
  search_job->on_done([&s, tag, criteria = std::move(criteria), uids = std::move(uids), mailbox, done](
                          std::vector<uint32_t> hits, std::vector<uint8_t> scores) mutable {
    Request request;
    request.criteria = std::move(criteria);
    auto job = std::make_shared<SortJob>(s, tag, std::move(request), std::move(uids), std::move(hits), mailbox);
    job->set_scores(std::move(scores));
    job->collect_ = std::move(done);
    step(std::move(job));
  });
  SearchJob::start(std::move(search_job));
}

// The parser keeps a sort header only for headers a SortJob reads whole.
static_assert(SortJob::kMaxHeader == proto::mime::Parser::kSortHeaderScope);

SortJob::SortJob(ImapSession& s, std::string tag, Request request, std::vector<uint32_t> uids,
                 std::vector<uint32_t> hits, storage::MailboxId mailbox)
    : session_(s), tag_(std::move(tag)), req_(std::move(request)), uids_(std::move(uids)),
      hits_(std::move(hits)), mailbox_(mailbox) {
  facts_.reserve(hits_.size());
  // ARRIVAL and SIZE are in the message record: no header is read for them.
  needs_header_ = req_.thread;
  for (const pi::SortCriterion& c : req_.criteria) {
    if (c.key != pi::SortKey::arrival && c.key != pi::SortKey::size) needs_header_ = true;
  }
}

Result<void> SortJob::run_batch(storage::Store& store) {
  size_t begin = facts_.size(), end = std::min(hits_.size(), begin + kBatch);
  std::vector<uint32_t> uids;
  for (size_t i = begin; i < end; ++i) uids.push_back(uids_[hits_[i] - 1]);
  auto metas = store.messages(mailbox_, uids);
  if (!metas) return metas.error();
  std::unordered_map<uint32_t, const storage::MessageMeta*> by_uid;
  for (const auto& m : *metas) by_uid.emplace(m.uid, &m);
  for (size_t g = begin; g < end; g += kStructureGroup) {
    const size_t g_end = std::min(end, g + kStructureGroup);
    // The structures of a few messages at a time, in one snapshot and one
    // batched read: a structure can hold 1 MiB of field values, so a batch
    // of 512 at once could hold hundreds of MiB.
    std::vector<std::string> structures(g_end - g);
    if (needs_header_) {
      std::vector<storage::BlobId> blobs(g_end - g, 0);  // 0: expunged meanwhile, no row
      for (size_t i = g; i < g_end; ++i)
        if (auto it = by_uid.find(uids_[hits_[i] - 1]); it != by_uid.end()) blobs[i - g] = it->second->blob;
      auto read = store.read_structures(blobs);
      if (!read) return read.error();
      structures = std::move(*read);
    }
    for (size_t i = g; i < g_end; ++i) {
      uint32_t seq = hits_[i], uid = uids_[seq - 1];
      pi::SortFacts f;
      auto it = by_uid.find(uid);
      if (it != by_uid.end()) {  // else expunged meanwhile: it sorts with empty keys
        const storage::MessageMeta& m = *it->second;
        std::string header;
        if (needs_header_) {
          // The sort fields kept with the structure at ingest instead of the
          // body's header block (a compressed chunk to inflate).
          if (auto kept = proto::mime::structure_sort_header(structures[i - g])) {
            header.assign(*kept);
          } else {
            auto bytes = store.read_body(m.blob, 0, std::min({m.header_size, m.size, kMaxHeader}));
            if (!bytes) return bytes.error();
            header = std::move(*bytes);
          }
        }
        f = pi::sort_facts_from_header(header, m.internal_date, m.size);
      }
      f.seq = seq;
      f.uid = uid;
      if (i < scores_.size()) f.relevancy = scores_[i];  // RFC 6203 §4 RELEVANCY sort key
      facts_.push_back(std::move(f));
    }
  }
  return {};
}

void SortJob::finish_output() {
  if (req_.thread) {
    pi::append_thread_response(&output_, pi::thread_messages(facts_, req_.algorithm, req_.uid));
    return;
  }
  std::vector<size_t> order = pi::sort_order(facts_, req_.criteria);
  if (collect_ || req_.sorted) {
    sorted_uids_.reserve(order.size());
    for (size_t i : order) sorted_uids_.push_back(facts_[i].uid);
    if (collect_) return;
  }
  std::vector<uint32_t> numbers;
  numbers.reserve(order.size());
  for (size_t i : order) numbers.push_back(req_.uid ? facts_[i].uid : facts_[i].seq);
  if (req_.ret) {
    if (req_.ret->save) {  // RFC 5182 §2.1 with RFC 5267 §3.2: MIN/MAX in sort order
      std::vector<uint32_t> uids;
      uids.reserve(order.size());
      for (size_t i : order) uids.push_back(facts_[i].uid);
      saved_ = saved_subset(*req_.ret, uids);
    }
    // RFC 5267 §3.2: ESORT answers with ESEARCH, ALL in sort order.
    if (req_.ret->reports()) {
      pi::EsearchResponse r = pi::make_esearch(tag_, req_.uid, *req_.ret, numbers, false);
      if (req_.ret->relevancy && !order.empty()) {  // RFC 6203 §4: in ALL's (the sort) order
        std::vector<uint8_t> scores;
        for (size_t i : order) scores.push_back(facts_[i].relevancy);
        r.extra.push_back(pi::relevancy_return_data(scores));
      }
      r.serialize(&output_);
    }
    return;
  }
  pi::append_sort_response(&output_, numbers);
}

void SortJob::step(std::shared_ptr<SortJob> job) {
  job->session_.conn().offload(
      [job] {
        auto r = job->run_batch(job->session_.store());
        if (!r) job->error_ = r.error();
        if (!job->error_ && job->facts_.size() == job->hits_.size()) job->finish_output();
      },
      [job] {
        ImapSession& s = job->session_;
        if (job->collect_) {
          if (job->error_) job->collect_(*job->error_);
          else if (job->facts_.size() < job->hits_.size()) step(job);
          else job->collect_(std::move(job->sorted_uids_));
          return;
        }
        bool save = job->req_.ret && job->req_.ret->save;
        if (save && s.selected() && !job->error_) s.selected()->search_result = std::move(job->saved_);
        if (job->error_) {
          s.tagged_error(job->tag_, *job->error_);
          s.finish();
          return;
        }
        if (job->facts_.size() < job->hits_.size()) {
          step(job);
          return;
        }
        if (job->req_.sorted) job->req_.sorted(job->sorted_uids_);
        s.send(job->output_);
        const char* what = job->req_.thread ? (job->req_.uid ? "UID THREAD completed" : "THREAD completed")
                                            : (job->req_.uid ? "UID SORT completed" : "SORT completed");
        s.tagged(job->tag_, "OK", what);
        s.finish();
      });
}

}  // namespace loft::server::imap

#include "server/imap/search_job.h"

#include <algorithm>
#include <unordered_map>

#include "protocol/imap/condstore.h"
#include "base/log.h"
#include "protocol/imap/object_id.h"
#include "protocol/imap/search_eval.h"
#include "search/index.h"
#include "server/connection.h"
#include "server/imap/search_res.h"
#include "server/imap/search_result.h"
#include "server/imap/session.h"
#include "server/search/attachments.h"
#include "server/search/extract.h"
#include "server/search/indexer.h"
#include "server/server.h"
#include "server/search/narrow.h"
#include "server/search/proof.h"

namespace loft::server::imap {

namespace pi = proto::imap;

// The evaluator's flag bits are the store's.
constexpr bool same_bits(uint32_t a, uint32_t b) { return a == b; }
static_assert(same_bits(pi::kSearchSeen, storage::kSeen) && same_bits(pi::kSearchAnswered, storage::kAnswered) &&
              same_bits(pi::kSearchFlagged, storage::kFlagged) && same_bits(pi::kSearchDeleted, storage::kDeleted) &&
              same_bits(pi::kSearchDraft, storage::kDraft));

SearchJob::SearchJob(ImapSession& session, std::string tag, pi::CmdSearch cmd,
                     std::vector<Message> view, storage::MailboxId mailbox)
    : session_(session),
      tag_(std::move(tag)),
      cmd_(std::move(cmd)),
      view_(std::move(view)),
      mailbox_(mailbox),
      cost_((pi::order_by_cost(&cmd_.program), pi::search_cost(cmd_.program))),
      needles_(cmd_.program),
      uses_modseq_(pi::search_uses_modseq(cmd_.program)),
      fuzzy_(pi::has_fuzzy_text(cmd_.program)),
      record_keys_(pi::has_record_key(cmd_.program)) {
  auto has_email_id = [](const pi::SearchKey& k, const auto& self) -> bool {
    if (k.kind == pi::SearchKey::Kind::emailid) return true;
    for (const auto& c : k.children)
      if (self(c, self)) return true;
    return false;
  };
  uses_email_id_ = has_email_id(cmd_.program, has_email_id);
}

void SearchJob::narrow() {
  const bool can_prove = server::search::has_provable_key(cmd_.program);  // one-word needles
  if (index_dir_.empty() || (!server::search::index_can_narrow(cmd_.program, true) && !can_prove)) return;
  auto index = loft::search::Index::open_reader(index_dir_);
  if (!index) return;  // no index yet: scan
  // Made with other attachment extractors: its text is not this process's (scan until rebuilt).
  if (auto same = index->attachments_match(server::search::attachment_signature()); !same || !*same) return;
  // FUZZY keys narrow by stems only if the index's stems are this process's languages.
  bool fuzzy_stems = false;
  if (fuzzy_) {
    auto match = index->stems_match(server::search::stem_signature());
    fuzzy_stems = match && *match;
  }
  const bool can_narrow = server::search::index_can_narrow(cmd_.program, fuzzy_stems);
  if (!can_narrow && !can_prove) return;
  auto through = index->indexed_through(mailbox_);
  auto found = !through ? Result<std::optional<std::vector<uint32_t>>>(through.error())
               : can_narrow ? index->candidates(mailbox_, server::search::narrow_for(cmd_.program, fuzzy_stems))
                            : Result<std::optional<std::vector<uint32_t>>>(std::nullopt);
  if (!found) {
    log_warn("search index ", index_dir_, ": ", found.error().message, " (scanning instead)");
    return;
  }
  through_ = *through;
  if (can_prove) {
    // Fragments of words ("cqjhonq") are proven by the words that contain
    // them when reading the candidates would cost more than the term walk.
    const size_t candidates = *found ? (*found)->size() : view_.size();
    auto proofs = server::search::Proofs::read(*index, mailbox_, cmd_.program, through_, candidates);
    if (proofs) proofs_ = std::move(*proofs);
    else log_warn("search index ", index_dir_, ": ", proofs.error().message, " (verifying every candidate)");
  }
  if (!*found) return;
  candidates_ = std::move(**found);
  narrowed_ = true;
}

bool SearchJob::candidate(uint32_t uid) const {
  // Not indexed yet (above the mark): only the evaluator can tell.
  if (!narrowed_ || uid > through_) return true;
  return std::binary_search(candidates_.begin(), candidates_.end(), uid);
}

pi::SearchFacts SearchJob::view_facts(size_t i) const {
  pi::SearchFacts facts;
  facts.seq = static_cast<uint32_t>(i + 1);
  facts.uid = view_[i].uid;
  facts.flags = view_[i].flags;
  facts.recent = view_[i].recent;
  facts.modseq = view_[i].modseq;
  return facts;
}

void SearchJob::add_hit(const pi::SearchFacts& facts, pi::SearchContentSource* content) {
  hits_.push_back(cmd_.uid ? facts.uid : facts.seq);
  if (uses_modseq_) hit_modseqs_.push_back(facts.modseq);
  // RFC 6203 §4: scored while the message's text is at hand (the scan is cached).
  if (fuzzy_) scores_.push_back(pi::search_relevancy(cmd_.program, content));
}

Result<void> SearchJob::run_batch(storage::Store& store) {
  if (next_ == 0 && !narrowed_) narrow();
  // This step's messages: up to kBatch that need the store. Those the index
  // rules out cannot match and cost nothing, and a program the view answers
  // alone (flags, UIDs, sequence numbers) costs little per message: neither
  // counts, so a narrowed search of 100,000 messages takes a few worker
  // round trips, not 400.
  const bool reads = cost_ >= pi::SearchCost::record;
  const size_t limit = reads ? kBatch : kViewBatch;
  std::vector<size_t> batch;  // positions in view_
  size_t next = next_;
  for (; next < view_.size() && batch.size() < limit; ++next)
    if (candidate(view_[next].uid)) batch.push_back(next);
  pi::SearchView view{static_cast<uint32_t>(view_.size()), view_.empty() ? 0 : view_.back().uid, now_};
  // Without record keys, a message whose text keys the index proves (or
  // whose proven keys alone decide, as in AND or OR) is answered from the
  // view and the proofs: its record is not read. A rare word's hits cost no
  // store read at all.
  enum : uint8_t { kRead, kMatch, kNoMatch };
  std::vector<uint8_t> decided(batch.size(), kRead);
  if (reads && !proofs_.empty() && !record_keys_ && !fuzzy_) {
    for (size_t k = 0; k < batch.size(); ++k) {
      server::search::ProofOnlyContent proofs(proofs_, view_[batch[k]].uid);
      const bool m = pi::search_matches(cmd_.program, view_facts(batch[k]), view, &proofs);
      if (!proofs.asked()) decided[k] = m ? kMatch : kNoMatch;
    }
  }
  // Records only when a key needs them: flags, UIDs and sequence numbers are in the view.
  std::unordered_map<uint32_t, storage::MessageMeta> records;
  if (reads) {
    std::vector<uint32_t> uids;
    for (size_t k = 0; k < batch.size(); ++k)
      if (decided[k] == kRead) uids.push_back(view_[batch[k]].uid);
    if (!uids.empty()) {
      auto metas = store.messages(mailbox_, uids);
      if (!metas) return metas.error();
      for (auto& m : *metas) records.emplace(m.uid, std::move(m));
    }
  }
  for (size_t k = 0; k < batch.size(); ++k) {
    pi::SearchFacts facts = view_facts(batch[k]);
    if (decided[k] != kRead) {
      if (decided[k] == kMatch) add_hit(facts, nullptr);
      continue;
    }
    const storage::MessageMeta* meta = nullptr;
    if (reads) {
      auto it = records.find(facts.uid);
      if (it == records.end()) continue;  // expunged meanwhile: it matches nothing
      meta = &it->second;
      facts.keywords = meta->keywords;
      facts.internal_date = meta->internal_date;
      facts.tz_offset_minutes = meta->tz_offset_minutes;
      facts.size = meta->size;
      facts.save_date = meta->save_date;  // RFC 8514 SAVED*
    }
    std::string email_id;  // RFC 8474 §6 EMAILID: derived only when a key asks
    if (meta != nullptr && uses_email_id_) {
      email_id = pi::email_object_id(store.object_key(), account_, meta->blob);
      facts.email_id = email_id;
    }
    std::optional<pi::SearchContent> content;
    if (meta != nullptr && cost_ >= pi::SearchCost::header) {
      storage::BlobId blob = meta->blob;
      content.emplace(
          needles_, [&store, blob](uint64_t off, uint64_t len) { return store.read_body(blob, off, len); },
          meta->size, meta->header_size, server::search::attachment_extractor());
    }
    // Keys the index proves true for this message are not read (proof.h).
    pi::SearchContentSource* source = content ? &*content : nullptr;
    std::optional<server::search::ProvenContent> proven;
    if (source && !proofs_.empty()) source = &proven.emplace(proofs_, facts.uid, source);
    if (pi::search_matches(cmd_.program, facts, view, source)) add_hit(facts, content ? &*content : nullptr);
    if (content && content->error()) return *content->error();
  }
  next_ = next;
  return {};
}

std::shared_ptr<SearchJob> SearchJob::for_selected(ImapSession& s, std::string tag, pi::CmdSearch cmd) {
  ImapSession::Selected* sel = s.selected();
  // A snapshot of the client's numbering: the view may change while workers run.
  const MailboxView& view = *sel->view;
  std::vector<Message> messages;
  messages.reserve(view.exists());
  view.for_each_numbered([&](uint32_t uid, const SharedIndex::Entry* e, bool recent) {
    // No entry: expunged, not yet reported; it matches no flag key.
    messages.push_back(e ? Message{uid, e->flags(), recent, e->modseq} : Message{uid, 0, false, 0});
  });
  expand_last_result(*sel, &cmd.program);  // RFC 5182 "$" as it is before this search saves
  auto job = std::make_shared<SearchJob>(s, std::move(tag), std::move(cmd), std::move(messages), sel->info.id);
  const Config& config = s.conn().server().config();
  if (config.search_index) job->use_index(server::search::index_dir(config.data_dir, sel->info.account));
  job->set_account(sel->info.account);
  return job;
}

std::vector<uint32_t> SearchJob::view_uids() const {
  std::vector<uint32_t> uids;
  uids.reserve(view_.size());
  for (const Message& m : view_) uids.push_back(m.uid);
  return uids;
}

void SearchJob::start(std::shared_ptr<SearchJob> job) { step(std::move(job)); }

void SearchJob::save(std::vector<uint32_t> uids) {
  if (!cmd_.ret || !cmd_.ret->save) return;
  if (ImapSession::Selected* sel = session_.selected()) sel->search_result = std::move(uids);
}

void SearchJob::step(std::shared_ptr<SearchJob> job) {
  Connection& conn = job->session_.conn();
  conn.offload(
      [job] {
        auto r = job->run_batch(job->session_.store());
        if (!r) job->error_ = r.error();
      },
      [job] {
        ImapSession& s = job->session_;
        if (job->error_ && job->fail_) {
          job->fail_(*job->error_);
          return;
        }
        if (job->error_) {
          job->save({});  // RFC 5182 §2.1: a SEARCH SAVE answered NO leaves "$" empty
          s.tagged_error(job->tag_, *job->error_);
          s.finish();
          return;
        }
        if (!job->done()) {
          step(job);
          return;
        }
        if (job->done_) {
          job->done_(std::move(job->hits_), std::move(job->scores_));
          return;
        }
        if (job->cmd_.ret && job->cmd_.ret->save) {
          std::vector<uint32_t> uids = job->hits_;
          if (!job->cmd_.uid) {
            for (uint32_t& n : uids) n = job->view_[n - 1].uid;
          }
          job->save(saved_subset(*job->cmd_.ret, uids));
        }
        if (job->track_ && s.selected()) {
          std::vector<uint32_t> uids = job->hits_;
          if (!job->cmd_.uid) {
            for (uint32_t& n : uids) n = job->view_[n - 1].uid;
          }
          s.contexts().add(std::move(*job->track_), std::move(uids));
        }
        send_search_result(s, job->tag_, job->cmd_, job->hits_, job->hit_modseqs_, job->scores_);
        s.finish();
      });
}

}  // namespace loft::server::imap

// RFC 5267 §4.3 context updates (see search_context.h).
#include "server/imap/search_context.h"

#include <algorithm>

#include "base/log.h"
#include "protocol/imap/esearch.h"
#include "server/imap/mailbox_view.h"
#include "server/imap/search_job.h"
#include "server/imap/search_res.h"
#include "server/imap/session.h"
#include "server/imap/sort_job.h"

namespace loft::server::imap {

namespace pi = proto::imap;

struct SearchContexts::Context {
  uint64_t id = 0;
  Spec spec;
  std::vector<uint32_t> told;                 // the client's result: UIDs in the requested order
  std::optional<std::vector<uint32_t>> fresh;  // the latest evaluation, not yet sent
  bool running = false;                        // an evaluation is on the workers
  bool again = false;                          // told of another change meanwhile
  bool positional() const { return spec.sort.has_value(); }
};

SearchContexts::SearchContexts(ImapSession& session, MailboxView& view)
    : session_(session), view_(view), self_(std::make_shared<SearchContexts*>(this)) {}

SearchContexts::~SearchContexts() = default;

bool SearchContexts::has(std::string_view tag) const {
  return std::any_of(contexts_.begin(), contexts_.end(), [&](const auto& c) { return c->spec.tag == tag; });
}

void SearchContexts::add(Spec spec, std::vector<uint32_t> uids) {
  auto c = std::make_unique<Context>();
  c->id = next_id_++;
  c->spec = std::move(spec);
  c->told = std::move(uids);
  if (!c->positional()) std::sort(c->told.begin(), c->told.end());
  contexts_.push_back(std::move(c));
  evaluate(*contexts_.back());
}

bool SearchContexts::cancel(std::string_view tag) {
  auto it = std::find_if(contexts_.begin(), contexts_.end(), [&](const auto& c) { return c->spec.tag == tag; });
  if (it == contexts_.end()) return false;
  contexts_.erase(it);  // a running evaluation finds its id gone
  return true;
}

void SearchContexts::evaluate(Context& c) {
  if (c.running) {
    c.again = true;
    return;
  }
  c.running = true;
  c.again = false;
  std::weak_ptr<SearchContexts*> weak = self_;
  auto done = [weak, id = c.id](Result<std::vector<uint32_t>> uids) {
    if (auto self = weak.lock()) (*self)->evaluated(id, std::move(uids));
  };
  // The command again, as it would run now (§4.3: "the results that would be
  // returned by an unmodified searching command"), reporting UIDs.
  pi::CmdSearch search = c.spec.search;
  search.uid = true;
  search.ret.reset();
  if (c.spec.sort) {
    SortJob::collect(session_, c.spec.tag, *c.spec.sort, std::move(search), std::move(done));
    return;
  }
  auto job = SearchJob::for_selected(session_, c.spec.tag, std::move(search));
  job->on_done([done](std::vector<uint32_t> hits, std::vector<uint8_t>) { done(std::move(hits)); });
  job->on_error([done](const Error& e) { done(e); });
  SearchJob::start(std::move(job));
}

void SearchContexts::evaluated(uint64_t id, Result<std::vector<uint32_t>> uids) {
  auto it = std::find_if(contexts_.begin(), contexts_.end(), [&](const auto& c) { return c->id == id; });
  if (it == contexts_.end()) return;  // cancelled meanwhile
  Context& c = **it;
  c.running = false;
  if (uids) c.fresh = std::move(*uids);
  else log_warn("search context ", c.spec.tag, ": ", uids.error().message, " (no update sent)");
  if (c.again) evaluate(c);
  session_.context_updates_ready();
}

void SearchContexts::told() {
  for (auto& c : contexts_) evaluate(*c);
}

bool SearchContexts::awaits_expunge(const Context& c) const {
  return std::any_of(c.told.begin(), c.told.end(), [&](uint32_t uid) { return !view_.state(uid); });
}

void SearchContexts::render(std::string* out) {
  for (auto& cp : contexts_) {
    Context& c = *cp;
    if (!c.fresh || awaits_expunge(c)) continue;
    // Only messages the client has a number for and the store still holds:
    // a new one comes after its EXISTS (§4.3.3), an expunged one with its
    // EXPUNGE (before_expunge).
    std::vector<uint32_t> target;
    target.reserve(c.fresh->size());
    for (uint32_t uid : *c.fresh)
      if (view_.seq_of(uid) && view_.state(uid)) target.push_back(uid);
    c.fresh.reset();
    pi::ContextDiff diff = pi::diff_context(c.told, target, c.positional());
    if (!c.positional()) std::sort(target.begin(), target.end());
    c.told = std::move(target);
    if (!diff.empty()) write(c, diff, out);
  }
}

void SearchContexts::before_expunge(std::span<const uint32_t> uids, std::string* out) {
  if (uids.empty()) return;
  std::string now;
  for (auto& cp : contexts_) {
    Context& c = *cp;
    pi::ContextDiff diff;
    diff.removed = pi::remove_from_context(&c.told, c.positional(), [&](uint32_t uid) {
      return std::binary_search(uids.begin(), uids.end(), uid);
    });
    if (!diff.empty()) write(c, diff, out ? out : &now);
  }
  if (!now.empty()) session_.send(now);
}

void SearchContexts::write(const Context& c, const pi::ContextDiff& diff, std::string* out) const {
  pi::EsearchResponse r;
  r.tag = c.spec.tag;
  r.uid = c.spec.uid;
  auto item = [&](bool add, const std::vector<pi::ContextPair>& pairs) {
    if (pairs.empty()) return;
    pi::EsearchResponse::UpdateItem u{add, pairs};
    // §4.3.2: sequence numbers for SEARCH and SORT, UIDs for the UID forms.
    if (!c.spec.uid) {
      for (auto& [pos, ids] : u.pairs)
        for (uint32_t& id : ids) id = view_.seq_of(id).value_or(0);
    }
    r.updates.push_back(std::move(u));
  };
  item(false, diff.removed);
  item(true, diff.added);
  r.serialize(out);
}

bool prepare_context(ImapSession& session, const std::string& tag, bool uid, const pi::CmdSearch& search,
                     std::optional<std::vector<pi::SortCriterion>> sort, std::optional<SearchContexts::Spec>* spec) {
  SearchContexts& contexts = session.contexts();
  if (contexts.has(tag)) {
    session.tagged(tag, "BAD", "Tag reuse: a search context with this tag is updated");
    return false;
  }
  if (contexts.full()) {
    // Tags hold no '"' or '\\' (RFC 3501 §9: ASTRING-CHAR less quoted-specials).
    session.reply(pi::StatusResponse{"*", pi::Status::no, pi::ResponseCode{"NOUPDATE", "\"" + tag + "\""},
                                     "Too many search contexts; this one is not updated"});
    return true;
  }
  spec->emplace(SearchContexts::Spec{tag, uid, search, std::move(sort)});
  expand_last_result(*session.selected(), &(*spec)->search.program);  // "$" as it is now
  return true;
}

}  // namespace loft::server::imap

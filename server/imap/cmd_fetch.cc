// RFC 3501 §6.4.5 FETCH and §6.4.8 UID FETCH: resolve the set against the
// session's view, then stream the responses with a FetchJob.
#include "protocol/imap/seqset.h"
#include "server/imap/fetch_job.h"
#include "server/imap/session.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

// Message sequence numbers must exist (§6.4.8 contrasts UIDs, which need not).
bool resolve_seqs(const pi::SeqSet& set, const std::vector<storage::MessageSummary>& index,
                  std::vector<FetchJob::Target>* out) {
  uint32_t n = static_cast<uint32_t>(index.size());
  for (const auto& r : set.ranges) {
    if ((r.lo != pi::kStar && r.lo > n) || (r.hi != pi::kStar && r.hi > n) || n == 0) return false;
  }
  for (const auto& r : set.resolve(n))
    for (uint32_t seq = r.lo; seq <= r.hi; ++seq) out->push_back({seq, index[seq - 1].uid});
  return true;
}

// UIDs that do not exist are skipped; "*" is the highest UID in use.
void resolve_uids(const pi::SeqSet& set, const std::vector<storage::MessageSummary>& index,
                  std::vector<FetchJob::Target>* out) {
  if (index.empty()) return;
  auto ranges = set.resolve(index.back().uid);
  size_t i = 0;
  for (const auto& r : ranges) {
    while (i < index.size() && index[i].uid < r.lo) ++i;
    while (i < index.size() && index[i].uid <= r.hi) {
      out->push_back({static_cast<uint32_t>(i + 1), index[i].uid});
      ++i;
    }
  }
}

}  // namespace

void ImapSession::handle(const std::string& tag, const pi::CmdFetch& c) {
  const char* name = c.uid ? "UID FETCH" : "FETCH";
  auto needs = check_fetch_items(c.items);
  if (!needs) {
    tagged(tag, "NO", "[CANNOT] " + needs.error().message);
    return;
  }
  std::vector<FetchJob::Target> targets;
  if (c.uid) {
    resolve_uids(c.set, selected()->index, &targets);
  } else if (!resolve_seqs(c.set, selected()->index, &targets)) {
    tagged(tag, "BAD", std::string("Error in IMAP command ") + name + ": Invalid messageset");
    return;
  }
  if (targets.empty()) {
    tagged(tag, "OK", std::string(name) + " completed");
    return;
  }
  busy_ = true;
  fetch_ = std::make_unique<FetchJob>(*this, tag, c, *needs, std::move(targets));
  fetch_->start();
}

}  // namespace loft::server::imap

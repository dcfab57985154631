#include "server/imap/mailbox_view.h"

#include <algorithm>

#include "protocol/imap/condstore.h"
#include "protocol/imap/response.h"
#include "server/imap/recent_claims.h"
#include "storage/types.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

constexpr auto uid_before = SharedIndex::Entry::uid_before;

// Inserts the sorted uids into the sorted set *into, without duplicates.
void merge_into(std::vector<uint32_t>* into, std::span<const uint32_t> uids) {
  if (uids.empty()) return;
  size_t mid = into->size();
  into->insert(into->end(), uids.begin(), uids.end());
  std::inplace_merge(into->begin(), into->begin() + static_cast<std::ptrdiff_t>(mid), into->end());
  into->erase(std::unique(into->begin(), into->end()), into->end());
}

// Removes the sorted uids from the sorted set *from in one pass (erasing
// them one by one would move the rest of the set once per uid).
void erase_all(std::vector<uint32_t>* from, std::span<const uint32_t> uids) {
  if (from->empty() || uids.empty()) return;
  auto out = from->begin();
  auto u = uids.begin();
  for (auto in = from->begin(); in != from->end(); ++in) {
    while (u != uids.end() && *u < *in) ++u;
    if (u == uids.end() || *u != *in) *out++ = *in;
  }
  from->erase(out, from->end());
}
}  // namespace

MailboxView::MailboxView(std::shared_ptr<SharedIndex> shared, bool read_only, std::function<void(const Error*)> ready)
    : shared_(std::move(shared)), read_only_(read_only), ready_(std::move(ready)) {
  shared_->attach(this);
}

MailboxView::~MailboxView() { shared_->detach(this); }

void MailboxView::on_loaded(const Error* error) {
  if (started_ || !ready_) return;
  auto ready = std::move(ready_);
  ready_ = nullptr;
  if (!error) {
    started_ = true;
    const auto& e = shared_->entries();
    told_max_ = e.empty() ? 0 : e.back().uid;
    // RFC 3501 §6.3.1: SELECT's RECENT; §6.3.2: EXAMINE leaves \Recent alone.
    claim_recent(0, told_max_);
  }
  ready(error);  // may destroy this view (a failed SELECT): nothing after
}

void MailboxView::claim_recent(uint32_t from_exclusive, uint32_t to) {
  if (to <= from_exclusive) return;
  auto& claims = RecentClaims::instance();
  uint32_t mark = read_only_ ? claims.peek(shared_->mailbox(), to) : claims.claim(shared_->mailbox(), to);
  uint32_t lo = std::max(mark, from_exclusive) + 1;
  if (lo > to) return;
  if (!recent_.empty() && recent_.back().second + 1 >= lo) recent_.back().second = std::max(recent_.back().second, to);
  else recent_.emplace_back(lo, to);
}

bool MailboxView::is_recent(uint32_t uid) const {
  if (hide_recent_) return false;
  auto it = std::upper_bound(recent_.begin(), recent_.end(), uid,
                             [](uint32_t u, const std::pair<uint32_t, uint32_t>& r) { return u < r.first; });
  return it != recent_.begin() && uid <= std::prev(it)->second;
}

size_t MailboxView::visible() const {
  const auto& e = shared_->entries();
  return static_cast<size_t>(std::upper_bound(e.begin(), e.end(), told_max_,
                                              [](uint32_t u, const SharedIndex::Entry& x) { return u < x.uid; }) -
                             e.begin());
}

uint32_t MailboxView::exists() const { return static_cast<uint32_t>(visible() + pending_expunged_.size()); }

uint32_t MailboxView::max_uid() const {
  size_t v = visible();
  uint32_t a = v ? shared_->entries()[v - 1].uid : 0;
  uint32_t b = pending_expunged_.empty() ? 0 : pending_expunged_.back();
  return std::max(a, b);
}

uint32_t MailboxView::recent_count() const {
  const auto& e = shared_->entries();
  size_t v = visible();
  uint32_t n = 0;
  for (const auto& [lo, hi] : recent_) {
    auto a = std::lower_bound(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(v), lo, uid_before);
    auto b = std::lower_bound(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(v), hi + 1, uid_before);
    n += static_cast<uint32_t>(b - a);
  }
  return n;
}

std::pair<size_t, size_t> MailboxView::locate(size_t k) const {
  // The client's list is the visible shared entries merged with the pending
  // expunges (disjoint, both ascending). Pending expunges are few.
  const auto& e = shared_->entries();
  for (size_t j = 0; j < pending_expunged_.size(); ++j) {
    size_t before = static_cast<size_t>(std::lower_bound(e.begin(), e.end(), pending_expunged_[j], uid_before) - e.begin());
    if (before + j >= k) return {k - j, j};
  }
  return {k - pending_expunged_.size(), pending_expunged_.size()};
}

std::optional<uint32_t> MailboxView::uid_at(uint32_t seq) const {
  if (seq == 0 || seq > exists()) return std::nullopt;
  auto [i, j] = locate(seq - 1);
  const auto& e = shared_->entries();
  if (j < pending_expunged_.size() && (i >= e.size() || pending_expunged_[j] < e[i].uid)) return pending_expunged_[j];
  return e[i].uid;
}

std::optional<uint32_t> MailboxView::seq_of(uint32_t uid) const {
  if (uid == 0 || uid > told_max_) return std::nullopt;
  const auto& e = shared_->entries();
  size_t before_shared = static_cast<size_t>(std::lower_bound(e.begin(), e.end(), uid, uid_before) - e.begin());
  auto p = std::lower_bound(pending_expunged_.begin(), pending_expunged_.end(), uid);
  size_t before_pending = static_cast<size_t>(p - pending_expunged_.begin());
  bool in_shared = before_shared < e.size() && e[before_shared].uid == uid;
  bool in_pending = p != pending_expunged_.end() && *p == uid;
  if (!in_shared && !in_pending) return std::nullopt;
  return static_cast<uint32_t>(before_shared + before_pending + 1);
}

std::optional<MailboxView::MessageState> MailboxView::state(uint32_t uid) const {
  const SharedIndex::Entry* e = shared_->find(uid);
  if (!e) return std::nullopt;
  return MessageState{e->uid, e->flags(), shared_->keywords(*e), e->modseq, is_recent(uid)};
}

uint32_t MailboxView::first_unseen() const {
  const auto& e = shared_->entries();
  size_t v = visible();
  for (size_t i = 0; i < v; ++i)
    if (!(e[i].flags() & storage::kSeen)) return *seq_of(e[i].uid);
  return 0;
}

void MailboxView::set_flags(uint32_t uid, uint32_t flags, std::span<const std::string> keywords, uint64_t modseq) {
  const storage::MessageSummary one{uid, flags, modseq, {keywords.begin(), keywords.end()}};
  set_flags_batch({&one, 1});
}

void MailboxView::set_flags_batch(std::span<const storage::MessageSummary> changes) {
  shared_->set_flags(changes, this);
  // The client now knows these states; a change it had not been told of yet
  // is superseded unless the index holds something newer still.
  std::vector<uint32_t> told;
  for (const auto& m : changes) {
    const SharedIndex::Entry* e = shared_->find(m.uid);
    if (!e || e->modseq <= m.modseq) told.push_back(m.uid);
  }
  std::sort(told.begin(), told.end());
  erase_all(&pending_flags_, told);
}

std::vector<std::optional<uint32_t>> MailboxView::apply_own_expunges(std::span<const uint32_t> sorted_uids) {
  // RFC 3501 §7.4.1: each EXPUNGE renumbers the later messages; with the uids
  // ascending, a message's number after the earlier removals is its number
  // now less the earlier ones that had a number.
  std::vector<std::optional<uint32_t>> seqs;
  seqs.reserve(sorted_uids.size());
  uint32_t removed = 0;
  for (uint32_t uid : sorted_uids) {
    std::optional<uint32_t> seq = seq_of(uid);
    if (seq) seqs.push_back(*seq - removed++);
    else seqs.emplace_back();
  }
  erase_all(&pending_expunged_, sorted_uids);
  erase_all(&pending_flags_, sorted_uids);
  shared_->expunge(sorted_uids, this);
  return seqs;
}

std::optional<uint32_t> MailboxView::apply_own_expunge(uint32_t uid) {
  const uint32_t one[] = {uid};
  return apply_own_expunges(one)[0];
}

void MailboxView::note_expunged(std::span<const uint32_t> uids) {
  // Only messages the client has a number for wait for their EXPUNGE; a new
  // message removed before its EXISTS was sent is never mentioned.
  std::vector<uint32_t> known;
  for (uint32_t uid : uids)
    if (uid <= told_max_) known.push_back(uid);
  std::sort(known.begin(), known.end());
  erase_all(&pending_flags_, known);
  merge_into(&pending_expunged_, known);
}

void MailboxView::note_flags(std::span<const uint32_t> uids) {
  std::vector<uint32_t> known;
  for (uint32_t uid : uids)
    if (uid <= told_max_) known.push_back(uid);
  merge_into(&pending_flags_, known);
}

void MailboxView::note_changed() {
  if (started_ && notify_ && has_updates(true)) notify_();
}

bool MailboxView::has_updates(bool allow_expunge, bool flags) const {
  if (!started_) return false;
  const auto& e = shared_->entries();
  return (allow_expunge && !pending_expunged_.empty()) || (flags && !pending_flags_.empty()) ||
         (!e.empty() && e.back().uid > told_max_);
}

void MailboxView::flush(bool allow_expunge, std::string* out) {
  if (!started_) return;
  const auto& e = shared_->entries();
  if (allow_expunge && !pending_expunged_.empty() && report_vanished_) {
    // RFC 7162 §3.2.10: once QRESYNC is enabled, UIDs instead of numbers.
    pi::VanishedResponse{false, pending_expunged_}.serialize(out);
    pending_expunged_.clear();
  }
  if (allow_expunge && !pending_expunged_.empty()) {
    // Highest first: each EXPUNGE renumbers only the messages after it
    // (§7.4.1), so the numbers of the lower ones stay as computed.
    for (size_t j = pending_expunged_.size(); j-- > 0;) {
      uint32_t uid = pending_expunged_[j];
      size_t before = static_cast<size_t>(std::lower_bound(e.begin(), e.end(), uid, uid_before) - e.begin());
      pi::ExpungeResponse{static_cast<uint32_t>(before + j + 1)}.serialize(out);
    }
    pending_expunged_.clear();
  }
  if (!e.empty() && e.back().uid > told_max_) {
    uint32_t from = told_max_;
    told_max_ = e.back().uid;
    claim_recent(from, told_max_);
    pi::ExistsResponse{exists()}.serialize(out);  // §7.3.1: the new count
    if (!hide_recent_) pi::RecentResponse{recent_count()}.serialize(out);
  }
  for (uint32_t uid : pending_flags_) {
    const SharedIndex::Entry* m = shared_->find(uid);
    auto seq = m ? seq_of(uid) : std::nullopt;
    if (!seq) continue;
    // RFC 7162 §3.1.4: MODSEQ in every FETCH once CONDSTORE is enabled; UID
    // with QRESYNC, and with IMAP4rev2 (RFC 9051 §7.5.2).
    std::optional<uint32_t> uid_item = report_uid_ ? std::optional<uint32_t>(uid) : std::nullopt;
    std::optional<uint64_t> modseq_item = report_modseq_ ? std::optional<uint64_t>(m->modseq) : std::nullopt;
    pi::FetchFlagsResponse{*seq, m->flags(), shared_->keywords(*m), is_recent(uid), uid_item, modseq_item}
        .serialize(out);
  }
  pending_flags_.clear();
  if (pending_expunged_.capacity() > 64 && pending_expunged_.empty()) pending_expunged_.shrink_to_fit();
  if (pending_flags_.capacity() > 64) pending_flags_.shrink_to_fit();
}

size_t MailboxView::memory() const {
  return sizeof(*this) + (pending_expunged_.capacity() + pending_flags_.capacity()) * sizeof(uint32_t) +
         recent_.capacity() * sizeof(recent_[0]);
}

}  // namespace loft::server::imap

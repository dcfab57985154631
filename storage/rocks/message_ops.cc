#include "storage/rocks/message_ops.h"

#include <limits>
#include <set>

#include "base/bytes.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

constexpr uint32_t kAllFlags = kSeen | kAnswered | kFlagged | kDeleted | kDraft;

bool has_keyword(const std::vector<std::string>& list, const std::string& k) {
  for (const auto& x : list)
    if (iequals(x, k)) return true;
  return false;
}

// RFC 3501 §6.4.6: keywords compare case-insensitively; the first spelling stays.
std::vector<std::string> apply_keywords(const std::vector<std::string>& now, FlagOp op,
                                        const std::vector<std::string>& given) {
  std::vector<std::string> out;
  if (op != FlagOp::replace) out = now;
  if (op == FlagOp::remove) {
    std::erase_if(out, [&](const std::string& k) { return has_keyword(given, k); });
    return out;
  }
  for (const auto& k : given)
    if (!has_keyword(out, k)) out.push_back(k);
  return out;
}

}  // namespace

Result<std::optional<MessageMeta>> stage_message(GroupTxn& txn, MailboxId mailbox, uint32_t uid) {
  auto v = txn.get(kMessagesCf, message_key(mailbox, uid));
  if (!v) return v.error();
  if (!*v) return std::optional<MessageMeta>();
  auto m = decode_message(uid, **v);
  if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
  return m;
}

namespace {

// True when uids is long, strictly ascending and covers at least half of its
// UID range: one scan then reads fewer rows than it saves point reads.
bool dense_ascending(std::span<const uint32_t> uids) {
  constexpr size_t kMinScan = 64;
  if (uids.size() < kMinScan) return false;
  for (size_t i = 1; i < uids.size(); ++i)
    if (uids[i] <= uids[i - 1]) return false;
  return uint64_t{uids.back()} - uids.front() + 1 <= 2 * uint64_t{uids.size()};
}

}  // namespace

Result<std::vector<std::optional<MessageMeta>>> stage_messages(GroupTxn& txn, MailboxId mailbox,
                                                               std::span<const uint32_t> uids) {
  std::vector<std::optional<MessageMeta>> out;
  out.reserve(uids.size());
  if (!dense_ascending(uids)) {
    for (uint32_t uid : uids) {
      auto m = stage_message(txn, mailbox, uid);
      if (!m) return m.error();
      out.push_back(std::move(*m));
    }
    return out;
  }
  const std::string end = uids.back() == UINT32_MAX ? prefix_end(id_key(mailbox))
                                                    : message_key(mailbox, uids.back() + 1);
  auto rows = txn.scan_range(kMessagesCf, message_key(mailbox, uids.front()), end,
                             std::numeric_limits<size_t>::max());
  if (!rows) return rows.error();
  // Both lists ascend: one merge walk pairs each uid with its row, if any.
  size_t r = 0;
  for (uint32_t uid : uids) {
    while (r < rows->size() && get_be32((*rows)[r].first.data() + 8) < uid) ++r;
    if (r == rows->size() || get_be32((*rows)[r].first.data() + 8) != uid) {
      out.emplace_back();
      continue;
    }
    auto m = decode_message(uid, (*rows)[r].second);
    if (!m) return corrupt("message " + std::to_string(uid) + " in mailbox " + std::to_string(mailbox));
    out.push_back(std::move(m));
  }
  return out;
}

namespace {

// Reads the messages of uids in order for a request that stages changes as it
// goes: a dense ascending list is read at once (no uid comes twice), any
// other one message at a time, so that a uid named twice sees its first change.
class OrderedReader {
 public:
  OrderedReader(GroupTxn& txn, MailboxId mailbox, std::span<const uint32_t> uids)
      : txn_(txn), mailbox_(mailbox), uids_(uids), dense_(dense_ascending(uids)) {}
  Result<void> start() {
    if (!dense_) return {};
    auto read = stage_messages(txn_, mailbox_, uids_);
    if (!read) return read.error();
    read_ = std::move(*read);
    return {};
  }
  Result<std::optional<MessageMeta>> get(size_t i) {
    if (dense_) return std::move(read_[i]);
    return stage_message(txn_, mailbox_, uids_[i]);
  }

 private:
  GroupTxn& txn_;
  MailboxId mailbox_;
  std::span<const uint32_t> uids_;
  bool dense_;
  std::vector<std::optional<MessageMeta>> read_;
};

}  // namespace

Result<void> CopyMessages::stage(GroupTxn& txn) {
  if (move && from == to) return make_error(Errc::bad_input, "cannot move messages into their own mailbox");
  auto src = stage_mailbox(txn, from);
  if (!src) return src.error();
  auto dst = stage_mailbox(txn, to);
  if (!dst) return dst.error();

  // Read and validate everything before staging anything.
  std::vector<MessageMeta> found;
  std::set<uint32_t> seen;
  uint64_t bytes = 0;
  auto read = stage_messages(txn, from, uids);
  if (!read) return read.error();
  for (size_t i = 0; i < uids.size(); ++i) {
    if (!seen.insert(uids[i]).second) continue;  // listed twice: copied once
    std::optional<MessageMeta>& m = (*read)[i];
    if (!m) continue;  // expunged meanwhile: skipped (RFC 4315 §3 lists only what was copied)
    bytes += m->size;
    found.push_back(std::move(*m));
  }
  if (uint64_t{dst->uidnext} + found.size() >= UINT32_MAX)
    return make_error(Errc::limit, "mailbox " + dst->name + " has run out of UIDs");
  // A move within one account changes no usage.
  if (!(move && src->account == dst->account))
    if (auto q = check_quota(txn, dst->account, bytes, found.size()); !q) return q;

  out = CopyResult{dst->uidvalidity, {}};
  std::map<BlobId, uint32_t> refs;
  for (const MessageMeta& m : found) {
    MessageMeta copy = m;
    if (auto r = stage_add_message(txn, *dst, copy, &event(to)); !r) return r;
    if (!move) ++refs[m.blob];
    out.uids.emplace_back(m.uid, copy.uid);
  }
  if (!move) {
    if (auto r = add_blob_refs(txn, refs); !r) return r;
    // Copying into the source mailbox itself: dst is the one record to keep.
    txn.put_mailbox(*dst);
    return {};
  }
  txn.put_mailbox(*dst);
  if (found.empty()) return {};
  // The sources go in the same batch: a crash leaves each message in exactly
  // one of the two mailboxes. The body's reference moves with the message.
  const uint64_t modseq = src->highestmodseq + 1;
  std::map<BlobId, uint32_t> unused;
  for (const MessageMeta& m : found)
    if (auto r = stage_remove_message(txn, *src, m, modseq, &unused, &event(from)); !r) return r;
  // stage_remove_message uncharged the source account; the copy charged dst.
  src->highestmodseq = modseq;
  txn.put_mailbox(*src);
  return {};
}

Result<void> StoreFlags::stage(GroupTxn& txn) {
  auto mb = stage_mailbox(txn, mailbox);
  if (!mb) return mb.error();
  const uint32_t mask = change.flags & kAllFlags;
  const uint64_t modseq = mb->highestmodseq + 1;
  bool changed = false;

  out = FlagResult{};
  // Each keyword spelling is looked up in the mailbox's list once per
  // request, not once per message (a STORE of 1:* on a mailbox where a tenth
  // of the messages carry $Work read that row tens of thousands of times).
  std::set<std::string> registered;
  std::vector<std::string> to_register;
  OrderedReader reader(txn, mailbox, uids);
  if (auto r = reader.start(); !r) return r;
  // Sized once for a large request (reserving for every small one in a
  // group would reallocate the shared event list each time).
  if (uids.size() >= 64) {
    out.updated.reserve(uids.size());
    event(mailbox).changed.reserve(event(mailbox).changed.size() + uids.size());
  }
  for (size_t i = 0; i < uids.size(); ++i) {
    const uint32_t uid = uids[i];
    auto m = reader.get(i);
    if (!m) return m.error();
    if (!*m) continue;  // expunged or never existed: skipped
    MessageMeta& msg = **m;
    // RFC 7162 §3.1.3: a message changed after UNCHANGEDSINCE is not touched.
    if (change.unchanged_since && msg.modseq > *change.unchanged_since) {
      out.modified.push_back(uid);
      continue;
    }
    const uint32_t next = change.op == FlagOp::add      ? (msg.flags | mask)
                          : change.op == FlagOp::remove ? (msg.flags & ~mask)
                                                        : mask;
    std::vector<std::string> keywords = apply_keywords(msg.keywords, change.op, change.keywords);
    if (next != msg.flags || keywords != msg.keywords) {
      const bool was_seen = (msg.flags & kSeen) != 0, now_seen = (next & kSeen) != 0;
      if (was_seen && !now_seen) ++mb->unseen;
      if (!was_seen && now_seen) {
        auto unseen = checked_sub(mb->unseen, 1, "unseen count of mailbox " + std::to_string(mailbox) +
                                                     " setting \\Seen on uid " + std::to_string(uid));
        if (!unseen) return unseen.error();
        mb->unseen = static_cast<uint32_t>(*unseen);
      }
      const uint64_t old_modseq = msg.modseq;
      msg.flags = next;
      msg.keywords = std::move(keywords);
      msg.modseq = modseq;
      stage_message_changed(txn, mailbox, old_modseq, msg);
      if (change.op != FlagOp::remove) {
        to_register.clear();
        for (const std::string& k : msg.keywords)
          if (registered.insert(k).second) to_register.push_back(k);
        if (auto r = stage_keywords(txn, mailbox, to_register); !r) return r;
      }
      event(mailbox).changed.push_back(ChangedMessage{uid, msg.flags, msg.modseq, msg.keywords});
      changed = true;
    }
    out.updated.push_back(MessageSummary{uid, msg.flags, msg.modseq, msg.keywords});
  }
  if (changed) {
    mb->highestmodseq = modseq;
    txn.put_mailbox(*mb);
  }
  return {};
}

Result<void> Expunge::stage(GroupTxn& txn) {
  auto mb = stage_mailbox(txn, mailbox);
  if (!mb) return mb.error();
  // RFC 7162 §3.2.10: an expunge raises HIGHESTMODSEQ, so a client that
  // resynchronises sees that something changed.
  const uint64_t modseq = mb->highestmodseq + 1;
  out.clear();
  std::map<BlobId, uint32_t> released;
  OrderedReader reader(txn, mailbox, uids);
  if (auto r = reader.start(); !r) return r;
  for (size_t i = 0; i < uids.size(); ++i) {
    const uint32_t uid = uids[i];
    auto m = reader.get(i);
    if (!m) return m.error();
    if (!*m) continue;  // already gone (or listed twice): skipped
    if (only_deleted && !((*m)->flags & kDeleted)) continue;  // \Deleted cleared meanwhile
    if (auto r = stage_remove_message(txn, *mb, **m, modseq, &released, &event(mailbox)); !r) return r;
    out.push_back(uid);
  }
  if (out.empty()) return {};
  if (auto r = release_blobs(txn, released); !r) return r;
  mb->highestmodseq = modseq;
  txn.put_mailbox(*mb);
  return {};
}

Result<void> SetQuota::stage(GroupTxn& txn) {
  auto q = stage_quota(txn, account);
  if (!q) return q.error();
  if (!*q) return make_error(Errc::not_found, "no quota record for account " + std::to_string(account));
  (*q)->byte_limit = byte_limit;
  (*q)->message_limit = message_limit;
  txn.put(kQuotasCf, id_key(account), encode_quota(**q));
  return {};
}

}  // namespace loft::storage::rocks

// The table of checks of Store::check, one entry per invariant of
// docs/storage.md. Each reads only the Inventory and is independent of the
// others; a Fix rewrites only records it guards (check.h).
#include <algorithm>
#include <array>
#include <set>

#include "base/bytes.h"
#include "storage/rocks/check.h"
#include "storage/rocks/check_rules.h"

namespace loft::storage::rocks {

using std::to_string;

Fix::Guard guard_mailbox(const MailboxRow& row) { return {kMailboxesCf, id_key(row.info.id), row.raw}; }

// A fix that rewrites the current mailbox record (not the snapshot's: an
// earlier fix of the same repair may have changed it already).
Fix mailbox_fix(const MailboxRow& row, std::string action, std::function<void(MailboxInfo&)> change) {
  MailboxId id = row.info.id;
  return Fix{{guard_mailbox(row)}, std::move(action), [id, change](Editor& e) -> Result<void> {
               auto m = e.mailbox(id);
               if (!m) return m.error();
               if (!*m) return make_error(Errc::internal, "mailbox " + to_string(id) + " vanished");
               change(**m);
               e.put_mailbox(**m);
               return {};
             }};
}

namespace {

std::string hex(std::string_view key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : key.substr(0, 32)) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return key.size() > 32 ? out + "..." : out;
}

// What the messages of one mailbox add up to.
struct Tally {
  uint32_t messages = 0, unseen = 0, max_uid = 0;
  uint64_t max_modseq = 0;
};

std::map<MailboxId, Tally> tally_messages(const Inventory& inv) {
  std::map<MailboxId, Tally> out;
  for (const auto& m : inv.messages) {
    Tally& t = out[m.mailbox];
    ++t.messages;
    if (!(m.flags & kSeen)) ++t.unseen;
    t.max_uid = std::max(t.max_uid, m.uid);
    t.max_modseq = std::max(t.max_modseq, m.modseq);
  }
  return out;
}

void record_format(const Inventory& inv, Findings& out) {
  for (const auto& b : inv.bad)
    out.push_back({std::string(kCfNames[b.cf]) + " key " + hex(b.key), "record does not decode", std::nullopt});
}

void counters(const Inventory& inv, Findings& out) {
  Counters need;  // the smallest counters consistent with the ids in use
  auto above = [](uint64_t& next, uint64_t id) { next = std::max(next, id + 1); };
  for (const auto& [name, a] : inv.accounts) above(need.next_account, a.id);
  for (const auto& n : inv.names) above(need.next_account, n.account), above(need.next_mailbox, n.mailbox);
  for (const auto& [id, m] : inv.mailboxes) {
    above(need.next_mailbox, id);
    need.last_uidvalidity = std::max(need.last_uidvalidity, m.info.uidvalidity);
  }
  for (const auto& m : inv.messages) above(need.next_mailbox, m.mailbox), above(need.next_blob, m.blob);
  for (const auto& [id, b] : inv.blobs) above(need.next_blob, id);
  for (const auto& [id, c] : inv.chunks) above(need.next_blob, id);
  for (BlobId id : inv.pending) above(need.next_blob, id);
  Counters have = inv.counters.value_or(Counters{});
  // Blob ids are handed out from the blob_ids reservation; at open the
  // next one is the larger of the two (docs/storage.md, blob_ids).
  have.next_blob = std::max(have.next_blob, inv.blob_ids_end);
  std::string low;
  if (have.next_account < need.next_account) low += " next account id " + to_string(have.next_account);
  if (have.next_mailbox < need.next_mailbox) low += " next mailbox id " + to_string(have.next_mailbox);
  if (have.next_blob < need.next_blob) low += " next blob id " + to_string(have.next_blob);
  if (have.last_uidvalidity < need.last_uidvalidity) low += " last UIDVALIDITY " + to_string(have.last_uidvalidity);
  if (low.empty()) return;
  // Raising a counter is always safe: it only skips ids.
  out.push_back({"counters", "ids in use would be handed out again:" + low, Fix{{}, "counters raised",
                 [need](Editor& e) -> Result<void> {
                   Counters& c = e.counters();
                   c.next_account = std::max(c.next_account, need.next_account);
                   c.next_mailbox = std::max(c.next_mailbox, need.next_mailbox);
                   c.next_blob = std::max(c.next_blob, need.next_blob);
                   c.last_uidvalidity = std::max(c.last_uidvalidity, need.last_uidvalidity);
                   return {};
                 }}});
}

void account_inbox(const Inventory& inv, Findings& out) {
  for (const auto& [name, a] : inv.accounts) {
    auto row = std::find_if(inv.names.begin(), inv.names.end(),
                            [&](const NameRow& n) { return n.account == a.id && n.name == kInboxName; });
    if (row == inv.names.end()) out.push_back({"account " + name, "has no INBOX", std::nullopt});
  }
}

void mailbox_names(const Inventory& inv, Findings& out) {
  std::set<AccountId> accounts;
  for (const auto& [name, a] : inv.accounts) accounts.insert(a.id);
  for (const auto& n : inv.names) {
    std::string subject = "mailbox name " + to_string(n.account) + "/" + n.name;
    auto m = inv.mailboxes.find(n.mailbox);
    if (!accounts.count(n.account))
      out.push_back({subject, "belongs to missing account " + to_string(n.account), std::nullopt});
    else if (m == inv.mailboxes.end())
      out.push_back({subject, "points at missing mailbox " + to_string(n.mailbox), std::nullopt});
    else if (m->second.info.account != n.account || m->second.info.name != n.name)
      out.push_back({subject, "points at mailbox " + to_string(n.mailbox) + " of another account or name",
                     std::nullopt});
  }
}

void mailbox_owner(const Inventory& inv, Findings& out) {
  std::set<MailboxId> named;
  for (const auto& n : inv.names) named.insert(n.mailbox);
  for (const auto& [id, m] : inv.mailboxes)
    if (!named.count(id))
      out.push_back({"mailbox " + to_string(id), "no mailbox name (or account " + to_string(m.info.account) +
                     ") refers to it", std::nullopt});
}

void message_mailbox(const Inventory& inv, Findings& out) {
  std::map<MailboxId, uint32_t> orphans;
  for (const auto& m : inv.messages)
    if (!inv.mailboxes.count(m.mailbox) && !inv.purging.count(m.mailbox)) ++orphans[m.mailbox];
  for (const auto& [id, n] : orphans)
    out.push_back({"mailbox " + to_string(id), to_string(n) + " message(s) of a missing mailbox", std::nullopt});
}

void mailbox_counts(const Inventory& inv, Findings& out) {
  auto tally = tally_messages(inv);
  for (const auto& [id, row] : inv.mailboxes) {
    Tally t = tally.count(id) ? tally[id] : Tally{};
    const MailboxInfo& m = row.info;
    if (m.messages == t.messages && m.unseen == t.unseen) continue;
    out.push_back({"mailbox " + to_string(id),
                   "counts " + to_string(m.messages) + " messages, " + to_string(m.unseen) + " unseen; rows say " +
                       to_string(t.messages) + ", " + to_string(t.unseen),
                   mailbox_fix(row, "recounted", [t](MailboxInfo& cur) {
                     cur.messages = t.messages;
                     cur.unseen = t.unseen;
                   })});
  }
}

void mailbox_uidnext(const Inventory& inv, Findings& out) {
  auto tally = tally_messages(inv);
  for (const auto& [id, row] : inv.mailboxes) {
    uint32_t max_uid = tally.count(id) ? tally[id].max_uid : 0;
    if (row.info.uidnext > max_uid) continue;
    out.push_back({"mailbox " + to_string(id),
                   "UIDNEXT " + to_string(row.info.uidnext) + " is not above UID " + to_string(max_uid),
                   mailbox_fix(row, "UIDNEXT raised to " + to_string(max_uid + 1), [max_uid](MailboxInfo& cur) {
                     cur.uidnext = std::max(cur.uidnext, max_uid + 1);
                   })});
  }
}

void mailbox_modseq(const Inventory& inv, Findings& out) {
  auto tally = tally_messages(inv);
  for (const auto& [id, row] : inv.mailboxes) {
    uint64_t max_modseq = tally.count(id) ? tally[id].max_modseq : 0;
    if (row.info.highestmodseq >= max_modseq) continue;
    out.push_back({"mailbox " + to_string(id),
                   "HIGHESTMODSEQ " + to_string(row.info.highestmodseq) + " is below modseq " + to_string(max_modseq),
                   mailbox_fix(row, "HIGHESTMODSEQ raised to " + to_string(max_modseq), [max_modseq](MailboxInfo& cur) {
                     cur.highestmodseq = std::max(cur.highestmodseq, max_modseq);
                   })});
  }
}

void message_blob(const Inventory& inv, Findings& out) {
  for (const auto& m : inv.messages) {
    std::string subject = "message " + to_string(m.mailbox) + "/" + to_string(m.uid);
    auto b = inv.blobs.find(m.blob);
    if (b == inv.blobs.end())
      out.push_back({subject, "its body (blob " + to_string(m.blob) + ") is missing", std::nullopt});
    else if (b->second.record.size != m.size || m.header_size > m.size)
      out.push_back({subject, "size " + to_string(m.size) + " (header " + to_string(m.header_size) +
                     ") does not match its body of " + to_string(b->second.record.size) + " bytes", std::nullopt});
  }
}

// Erases a blob's record and every chunk key of it that was seen or expected.
std::function<Result<void>(Editor&)> erase_blob(BlobId id, const BlobRecord& rec, std::vector<uint32_t> seen) {
  for (uint32_t i = 0; i < chunk_count(rec); ++i) seen.push_back(i);
  return [id, seen](Editor& e) -> Result<void> {
    for (uint32_t i : seen) e.erase(kChunksCf, chunk_key(id, i));
    e.erase(kBlobsCf, id_key(id));
    return {};
  };
}

void blob_refcount(const Inventory& inv, Findings& out) {
  std::map<BlobId, uint32_t> refs;
  for (const auto& m : inv.messages) ++refs[m.blob];
  for (const auto& [id, row] : inv.blobs) {
    uint32_t n = refs.count(id) ? refs[id] : 0;
    if (row.record.refs == n) continue;
    Fix::Guard g{kBlobsCf, id_key(id), row.raw};
    std::string detail = "refcount " + to_string(row.record.refs) + ", " + to_string(n) + " message(s) refer to it";
    if (n == 0) {  // unreachable: delete it as the last expunge would have
      auto c = inv.chunks.find(id);
      out.push_back({"blob " + to_string(id), detail,
                     Fix{{g}, "deleted with its chunks",
                         erase_blob(id, row.record, c == inv.chunks.end() ? std::vector<uint32_t>{} : c->second)}});
      continue;
    }
    BlobRecord fixed = row.record;
    fixed.refs = n;
    out.push_back({"blob " + to_string(id), detail, Fix{{g}, "refcount set to " + to_string(n),
                   [id, fixed](Editor& e) -> Result<void> {
                     e.put(kBlobsCf, id_key(id), encode_blob(fixed));
                     return {};
                   }}});
  }
}

void orphan_chunks(const Inventory& inv, Findings& out) {
  for (const auto& [id, indices] : inv.chunks) {
    if (inv.blobs.count(id) || inv.pending.count(id)) continue;  // pending: a body being written
    // Guard: the blob record is still absent (ids are never reused).
    out.push_back({"blob " + to_string(id), to_string(indices.size()) + " chunk(s) without a blob record",
                   Fix{{{kBlobsCf, id_key(id), std::nullopt}}, "chunks deleted",
                       [id, indices](Editor& e) -> Result<void> {
                         for (uint32_t i : indices) e.erase(kChunksCf, chunk_key(id, i));
                         return {};
                       }}});
  }
}

void blob_chunks(const Inventory& inv, Findings& out) {
  static const std::vector<uint32_t> kNone;
  for (const auto& [id, row] : inv.blobs) {
    auto c = inv.chunks.find(id);
    const std::vector<uint32_t>& have = c == inv.chunks.end() ? kNone : c->second;
    const uint32_t n = chunk_count(row.record);
    if (row.record.size > 0 && row.record.chunk_size == 0) {
      out.push_back({"blob " + to_string(id), "chunk size 0 for a body of " + to_string(row.record.size) + " bytes",
                     std::nullopt});
      continue;
    }
    uint32_t present = 0;
    std::vector<uint32_t> extra;
    for (uint32_t i : have) {
      if (i < n) ++present;
      else extra.push_back(i);
    }
    if (present < n)
      out.push_back({"blob " + to_string(id), to_string(n - present) + " of " + to_string(n) + " chunks missing",
                     std::nullopt});
    if (!extra.empty())
      out.push_back({"blob " + to_string(id), to_string(extra.size()) + " chunk(s) past the end of the body",
                     Fix{{{kBlobsCf, id_key(id), row.raw}}, "extra chunks deleted",
                         [id, extra](Editor& e) -> Result<void> {
                           for (uint32_t i : extra) e.erase(kChunksCf, chunk_key(id, i));
                           return {};
                         }}});
  }
}

constexpr std::array<Check, 17> kChecks{{
    {"record-format", "every key and value decodes (known version, right length)", record_format},
    {"counters", "the next account/mailbox/blob ids and last UIDVALIDITY are above every one in use", counters},
    {"account-inbox", "every account has an INBOX row", account_inbox},
    {"mailbox-names", "every mailbox name row points at a mailbox of the same account and name", mailbox_names},
    {"mailbox-owner", "every mailbox is named by a mailbox_names row", mailbox_owner},
    {"message-mailbox", "every message belongs to an existing mailbox", message_mailbox},
    {"mailbox-counts", "message and unseen counts match the mailbox's messages", mailbox_counts},
    {"mailbox-uidnext", "UIDNEXT is above every UID of the mailbox", mailbox_uidnext},
    {"mailbox-modseq", "HIGHESTMODSEQ is at least every modseq of the mailbox", mailbox_modseq},
    {"message-blob", "every message's body exists and has the message's size", message_blob},
    {"blob-refcount", "a blob's refcount equals the messages naming it (0: no blob)", blob_refcount},
    {"orphan-chunks", "every chunk belongs to an existing blob record", orphan_chunks},
    {"pending-bodies", "no body is pending since before the store was opened (open removes those)",
     pending_bodies},
    {"blob-chunks", "chunks 0 .. ceil(size / chunk size) - 1 exist, and no others", blob_chunks},
    {"quota-usage", "an account's quota usage equals the sizes and count of its messages", quota_usage},
    {"change-log", "every change-log row has an existing mailbox, at most its HIGHESTMODSEQ", change_log},
    {"index-jobs", "index jobs name their mailbox's account; a UID's last add job names an existing message",
     index_jobs},
}};

}  // namespace

std::span<const Check> checks() { return kChecks; }

}  // namespace loft::storage::rocks

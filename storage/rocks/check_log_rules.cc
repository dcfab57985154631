// The checks of what schema 2 added (docs/storage.md, "Checking a store"):
// quota usage, the change log, the index jobs, and bodies a crash left
// pending. They sit in kChecks (check_rules.cc) with the others and are as
// independent.
#include <algorithm>
#include <set>

#include "storage/rocks/check.h"
#include "storage/rocks/check_rules.h"

namespace loft::storage::rocks {

using std::to_string;

void quota_usage(const Inventory& inv, Findings& out) {
  std::map<AccountId, QuotaRecord> used;
  for (const auto& m : inv.messages) {
    auto mb = inv.mailboxes.find(m.mailbox);
    auto purging = inv.purging.find(m.mailbox);  // charged until its slice removes it
    if (mb == inv.mailboxes.end() && purging == inv.purging.end()) continue;  // message-mailbox reports it
    QuotaRecord& u = used[mb != inv.mailboxes.end() ? mb->second.info.account : purging->second.account];
    u.bytes += m.size;
    ++u.messages;
  }
  std::set<AccountId> accounts;
  for (const auto& [name, a] : inv.accounts) accounts.insert(a.id);
  for (const auto& [id, row] : inv.quotas) {
    std::string subject = "quota of account " + to_string(id);
    if (!accounts.count(id)) {
      out.push_back({subject, "the account does not exist", std::nullopt});
      continue;
    }
    QuotaRecord u = used.count(id) ? used[id] : QuotaRecord{};
    const QuotaRecord& q = row.record;
    if (q.bytes == u.bytes && q.messages == u.messages) continue;
    // Every batch that adds or removes a message of the account rewrites its
    // quota row, so guarding that row guards the recount.
    out.push_back({subject,
                   "usage " + to_string(q.bytes) + " bytes, " + to_string(q.messages) + " messages; the messages add up to " +
                       to_string(u.bytes) + ", " + to_string(u.messages),
                   Fix{{{kQuotasCf, id_key(id), row.raw}}, "usage recounted", [id, u](Editor& e) -> Result<void> {
                         auto v = e.get(kQuotasCf, id_key(id));
                         if (!v) return v.error();
                         auto cur = *v ? decode_quota(**v) : std::nullopt;
                         if (!cur) return make_error(Errc::internal, "quota of account " + to_string(id) + " vanished");
                         cur->bytes = u.bytes;
                         cur->messages = u.messages;
                         e.put(kQuotasCf, id_key(id), encode_quota(*cur));
                         return {};
                       }}});
  }
}

void change_log(const Inventory& inv, Findings& out) {
  std::map<MailboxId, std::vector<const LogRow*>> orphans;
  std::map<MailboxId, uint64_t> above;  // the highest modseq above HIGHESTMODSEQ
  for (const auto& c : inv.changes) {
    auto mb = inv.mailboxes.find(c.mailbox);
    if (inv.purging.count(c.mailbox)) continue;  // its purge removes them last
    if (mb == inv.mailboxes.end()) orphans[c.mailbox].push_back(&c);
    else if (c.modseq > mb->second.info.highestmodseq) above[c.mailbox] = std::max(above[c.mailbox], c.modseq);
  }
  for (const auto& [id, rows] : orphans) {
    std::vector<std::string> keys;
    for (const LogRow* r : rows) keys.push_back(change_key(r->mailbox, r->modseq, r->uid));
    // Mailbox ids are never reused, so rows of a missing mailbox can serve no reader.
    out.push_back({"mailbox " + to_string(id), to_string(rows.size()) + " change-log row(s) of a missing mailbox",
                   Fix{{{kMailboxesCf, id_key(id), std::nullopt}}, "rows deleted", [keys](Editor& e) -> Result<void> {
                         for (const auto& k : keys) e.erase(kChangesCf, k);
                         return {};
                       }}});
  }
  for (const auto& [id, modseq] : above) {
    const MailboxRow& row = inv.mailboxes.at(id);
    out.push_back({"mailbox " + to_string(id),
                   "change-log row at modseq " + to_string(modseq) + " above HIGHESTMODSEQ " +
                       to_string(row.info.highestmodseq),
                   mailbox_fix(row, "HIGHESTMODSEQ raised to " + to_string(modseq),
                               [m = modseq](MailboxInfo& cur) { cur.highestmodseq = std::max(cur.highestmodseq, m); })});
  }
}

// A remove job may outlive its mailbox (the indexer still has to drop the
// message), so a job of a missing mailbox is fine as long as every add job
// there is followed by a remove job for the same UID.
void index_jobs(const Inventory& inv, Findings& out) {
  std::set<std::pair<MailboxId, uint32_t>> messages;
  for (const auto& m : inv.messages) messages.insert({m.mailbox, m.uid});
  // Jobs are in key order, so per mailbox in modseq order: the last job of
  // a UID says whether the indexer will end up with the message.
  std::map<std::pair<MailboxId, uint32_t>, const LogRow*> last;
  for (const auto& j : inv.index_jobs) last[{j.mailbox, j.uid}] = &j;
  for (const auto& j : inv.index_jobs) {
    std::string subject = "index job " + to_string(j.mailbox) + "/" + to_string(j.modseq) + "/" + to_string(j.uid);
    auto mb = inv.mailboxes.find(j.mailbox);
    if (mb != inv.mailboxes.end() && mb->second.info.account != j.job.account) {
      out.push_back({subject, "names account " + to_string(j.job.account) + ", the mailbox belongs to " +
                     to_string(mb->second.info.account), std::nullopt});
      continue;
    }
    if (!j.job.add || last[{j.mailbox, j.uid}] != &j || messages.count({j.mailbox, j.uid})) continue;
    const bool gone = mb == inv.mailboxes.end();
    std::string key = change_key(j.mailbox, j.modseq, j.uid);
    IndexJobRecord remove = j.job;
    remove.add = false;
    // Turning the add into a remove loses nothing: the message is gone.
    out.push_back({subject, gone ? "adds a message of missing mailbox " + to_string(j.mailbox)
                                 : "adds a message that no longer exists",
                   Fix{{{kIndexJobsCf, key, j.raw}, {kMessagesCf, message_key(j.mailbox, j.uid), std::nullopt}},
                       "made a remove job", [key, remove](Editor& e) -> Result<void> {
                         e.put(kIndexJobsCf, key, encode_index_job(remove));
                         return {};
                       }}});
  }
}

// A body still pending with an id below this open's first one was begun by an
// earlier process: open removes those (remove_pending_bodies), so one left is
// a crash's orphan that nothing will ever link or delete.
void pending_bodies(const Inventory& inv, Findings& out) {
  static const std::vector<uint32_t> kNone;
  if (inv.open_blob_floor == 0) return;
  for (BlobId id : inv.pending) {
    if (id >= inv.open_blob_floor) continue;  // a writer of this process
    auto c = inv.chunks.find(id);
    const std::vector<uint32_t> indices = c == inv.chunks.end() ? kNone : c->second;
    auto raw = inv.pending_raw.find(id);
    std::optional<std::string> seen;
    if (raw != inv.pending_raw.end()) seen = raw->second;
    // Guard: the pending row is unchanged (a link would have deleted it).
    out.push_back({"blob " + to_string(id),
                   "pending since before this open, " + to_string(indices.size()) + " chunk(s)",
                   Fix{{{kPendingCf, id_key(id), seen}}, "body removed",
                       [id, indices](Editor& e) -> Result<void> {
                         for (uint32_t i : indices) e.erase(kChunksCf, chunk_key(id, i));
                         e.erase(kStructuresCf, id_key(id));
                         e.erase(kPendingCf, id_key(id));
                         return {};
                       }}});
  }
}

}  // namespace loft::storage::rocks

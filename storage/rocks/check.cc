// Store::check: runs the table of checks on an Inventory and applies the
// fixes as one committer request, so a repair never races a delivery.
#include "storage/rocks/check.h"

#include <rocksdb/write_batch.h>

#include <utility>

#include "storage/rocks/committer.h"
#include "storage/rocks/db.h"
#include "storage/rocks/group_txn.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

Result<std::optional<std::string>> Editor::get(Cf cf, const std::string& key) const { return txn_.get(cf, key); }

void Editor::put(Cf cf, std::string key, std::string value) {
  touched_[{cf, key}] = true;
  txn_.put(cf, std::move(key), std::move(value));
}

void Editor::erase(Cf cf, std::string key) {
  touched_[{cf, key}] = true;
  txn_.erase(cf, std::move(key));
}

Result<std::optional<MailboxInfo>> Editor::mailbox(MailboxId id) const { return txn_.mailbox(id); }

void Editor::put_mailbox(const MailboxInfo& info) {
  touched_[{kMailboxesCf, id_key(info.id)}] = true;
  txn_.put_mailbox(info);
}

Counters& Editor::counters() { return txn_.counters(); }

bool Editor::touched(Cf cf, const std::string& key) const { return touched_.count({cf, key}) > 0; }

namespace {

std::function<void()> g_before_repair;  // tests only

// Every fix of one check run, staged in one group: all guards are read
// through the group's overlay, so a request staged earlier in the same group
// counts as a concurrent change.
struct Repair final : Request {
  std::vector<const Fix*> fixes;
  std::vector<std::optional<std::string>> skipped;  // per fix: why it was not applied

  Result<void> stage(GroupTxn& txn) override {
    Editor editor(txn);
    skipped.assign(fixes.size(), std::nullopt);
    for (size_t i = 0; i < fixes.size(); ++i) {
      const Fix& fix = *fixes[i];
      for (const auto& g : fix.guards) {
        if (editor.touched(g.cf, g.key)) continue;
        auto now = txn.get(g.cf, g.key);
        if (!now) return now.error();
        if (*now != g.seen) {
          skipped[i] = "not repaired: the record changed while checking; run the check again";
          break;
        }
      }
      if (skipped[i]) continue;
      if (auto done = fix.apply(editor); !done)
        return make_error(Errc::internal, "repair failed: " + done.error().message);
    }
    return {};
  }
};

}  // namespace

Result<std::vector<CheckIssue>> run_checks(const Db& db, Committer& committer, bool repair,
                                           BlobId open_blob_floor) {
  auto inv = load_inventory(db);
  if (!inv) return inv.error();
  inv->open_blob_floor = open_blob_floor;
  std::vector<CheckIssue> issues;
  std::vector<Finding> findings;
  for (const Check& c : checks()) {
    Findings found;
    c.run(*inv, found);
    for (auto& f : found) {
      issues.push_back(CheckIssue{c.name, f.subject, f.detail, false});
      findings.push_back(std::move(f));
    }
  }
  if (!repair) return issues;

  Repair r;
  std::vector<size_t> index;  // issue of each fix
  for (size_t i = 0; i < findings.size(); ++i) {
    if (!findings[i].fix) {
      issues[i].detail += " (not repairable: left as found)";
      continue;
    }
    r.fixes.push_back(&*findings[i].fix);
    index.push_back(i);
  }
  if (r.fixes.empty()) return issues;
  if (g_before_repair) g_before_repair();
  if (auto done = committer.run(r); !done) return done.error();
  for (size_t k = 0; k < index.size(); ++k) {
    CheckIssue& issue = issues[index[k]];
    if (r.skipped[k]) {
      issue.detail += " (" + *r.skipped[k] + ")";
    } else {
      issue.repaired = true;
      issue.detail += " (repaired: " + findings[index[k]].fix->action + ")";
    }
  }
  return issues;
}

void set_before_repair_hook_for_testing(std::function<void()> hook) { g_before_repair = std::move(hook); }

Result<void> edit_raw_for_testing(const std::string& path, std::span<const RawEdit> edits) {
  auto db = Db::open(path);
  if (!db) return db.error();
  rocksdb::WriteBatch batch;
  for (const auto& e : edits) {
    rocksdb::Status s = e.value ? batch.Put((*db)->cf(e.cf), e.key, *e.value) : batch.Delete((*db)->cf(e.cf), e.key);
    if (!s.ok()) return to_error(s, "building a raw edit");
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  rocksdb::Status s = (*db)->db()->Write(wo, &batch);
  if (!s.ok()) return to_error(s, "writing a raw edit");
  return {};
}

}  // namespace loft::storage::rocks

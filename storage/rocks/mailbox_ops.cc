#include "storage/rocks/mailbox_ops.h"

#include "base/bytes.h"
#include "storage/rocks/message_ops.h"
#include "storage/rocks/metadata_ops.h"
#include "storage/rocks/purge.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

namespace {

constexpr uint32_t kAllUses = kUseAll | kUseArchive | kUseDrafts | kUseFlagged | kUseJunk | kUseSent | kUseTrash;

// Names are '/'-separated paths (RFC 3501 §5.1.1); empty levels are refused.
Result<void> check_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos)
    return make_error(Errc::bad_input, "bad mailbox name");
  return {};
}

Result<void> check_account(GroupTxn& txn, AccountId account) {
  auto inbox = stage_find_mailbox_id(txn, account, kInboxName);
  if (!inbox) return inbox.error();
  if (!*inbox) return make_error(Errc::not_found, "no account with id " + std::to_string(account));
  return {};
}

}  // namespace

Result<void> CreateMailbox::stage(GroupTxn& txn) {
  if (auto r = check_name(name); !r) return r;
  if (auto r = check_account(txn, account); !r) return r;
  auto existing = stage_find_mailbox_id(txn, account, name);
  if (!existing) return existing.error();
  if (*existing) return make_error(Errc::exists, "mailbox " + name + " already exists");
  out = stage_new_mailbox(txn, account, stored_name(name), special_use & kAllUses);
  return {};
}

Result<void> DeleteMailbox::stage(GroupTxn& txn) {
  // RFC 3501 §6.3.4: it is an error to delete INBOX.
  if (iequals(name, kInboxName)) return make_error(Errc::perm, "INBOX cannot be deleted");
  auto id = stage_find_mailbox_id(txn, account, name);
  if (!id) return id.error();
  if (!*id) return make_error(Errc::not_found, "no mailbox " + name);
  auto mb = stage_mailbox(txn, **id);
  if (!mb) return mb.error().code == Errc::not_found ? corrupt("mailbox name without a record") : mb.error();
  // Invisible at once; the messages go in purge slices (purge.h). Its
  // annotations (bounded by the account's metadata limits) go now.
  if (auto r = stage_drop_mailbox_metadata(txn, account, mb->id, true); !r) return r;
  stage_mark_mailbox_deleted(txn, *mb, mailbox_name_key(account, name));
  deleted = mb->id;
  return {};
}

Result<void> RenameMailbox::stage(GroupTxn& txn) {
  if (auto r = check_name(to); !r) return r;
  if (iequals(to, kInboxName)) return make_error(Errc::exists, "INBOX always exists");
  auto target = stage_find_mailbox_id(txn, account, to);
  if (!target) return target.error();
  if (*target) return make_error(Errc::exists, "mailbox " + to + " already exists");
  auto source = stage_find_mailbox_id(txn, account, from);
  if (!source) return source.error();
  if (!*source) return make_error(Errc::not_found, "no mailbox " + from);

  if (iequals(from, kInboxName)) {
    // RFC 3501 §6.3.5: the messages move to a new mailbox; INBOX stays, empty.
    MailboxInfo fresh = stage_new_mailbox(txn, account, to, 0);
    renamed_.clear();
    renamed_.push_back(ListChange{ListChange::Kind::created, fresh.id, fresh.name, {}, {}});
    auto uids_rows = txn.scan(kMessagesCf, id_key(**source));
    if (!uids_rows) return uids_rows.error();
    CopyMessages mv;
    mv.from = **source;
    mv.to = fresh.id;
    mv.move = true;
    for (const auto& row : *uids_rows) mv.uids.push_back(get_be32(row.first.data() + 8));
    if (auto r = mv.stage(txn); !r) return r;
    std::vector<MailboxChange> changes{MailboxChange{}, MailboxChange{}};
    changes[0].mailbox = mv.from;
    changes[1].mailbox = mv.to;
    mv.describe(changes);
    event(mv.from).expunged = std::move(changes[0].expunged);
    event(mv.to).added = std::move(changes[1].added);
    return {};
  }

  const std::string prefix = std::string(from) + "/";
  if (to.size() > from.size() && to.compare(0, prefix.size(), prefix) == 0)
    return make_error(Errc::bad_input, "cannot rename a mailbox into itself");
  auto rows = txn.scan(kMailboxNamesCf, mailbox_name_key(account, from));
  if (!rows) return rows.error();
  // Check every new name first: all or nothing.
  std::vector<std::pair<std::string, std::string>> moves;  // old name key -> new name
  for (const auto& [key, value] : *rows) {
    std::string_view old_name = std::string_view(key).substr(8);
    if (old_name != from && old_name.compare(0, prefix.size(), prefix) != 0) continue;  // "fromX": not ours
    std::string new_name = to + std::string(old_name.substr(from.size()));
    auto taken = stage_find_mailbox_id(txn, account, new_name);
    if (!taken) return taken.error();
    if (*taken) return make_error(Errc::exists, "mailbox " + new_name + " already exists");
    moves.emplace_back(key, std::move(new_name));
  }
  renamed_.clear();
  for (const auto& [old_key, new_name] : moves) {
    auto value = txn.get(kMailboxNamesCf, old_key);
    if (!value) return value.error();
    if (!*value || (*value)->size() != 8) return corrupt("mailbox name row " + old_key.substr(8));
    auto mb = stage_mailbox(txn, get_be64((*value)->data()));
    if (!mb) return mb.error().code == Errc::not_found ? corrupt("mailbox name without a record") : mb.error();
    renamed_.push_back(ListChange{ListChange::Kind::renamed, mb->id, new_name, mb->name, {}});
    mb->name = new_name;
    txn.erase(kMailboxNamesCf, old_key);
    txn.put(kMailboxNamesCf, mailbox_name_key(account, new_name), std::move(**value));
    txn.put_mailbox(*mb);
  }
  return {};
}

Result<void> SetSpecialUse::stage(GroupTxn& txn) {
  auto mb = stage_mailbox(txn, mailbox);
  if (!mb) return mb.error();
  mb->special_use = special_use & kAllUses;
  txn.put_mailbox(*mb);
  return {};
}

Result<void> SetSubscription::stage(GroupTxn& txn) {
  if (auto r = check_name(name); !r) return r;
  if (auto r = check_account(txn, account); !r) return r;
  std::string key = id_name_key(account, stored_name(name));
  if (subscribe) txn.put(kSubscriptionsCf, std::move(key), encode_bytes(""));
  else txn.erase(kSubscriptionsCf, std::move(key));
  return {};
}

void CreateMailbox::describe(std::vector<MailboxChange>& changes) const {
  changes.push_back(list_change(account, ListChange{ListChange::Kind::created, out.id, out.name, {}, {}}));
}

void DeleteMailbox::describe(std::vector<MailboxChange>& changes) const {
  changes.push_back(list_change(account, ListChange{ListChange::Kind::deleted, deleted, std::string(stored_name(name)), {}, {}}));
}

void RenameMailbox::describe(std::vector<MailboxChange>& changes) const {
  EventRequest::describe(changes);
  for (const ListChange& c : renamed_) changes.push_back(list_change(account, c));
}

void SetSubscription::describe(std::vector<MailboxChange>& changes) const {
  auto kind = subscribe ? ListChange::Kind::subscribed : ListChange::Kind::unsubscribed;
  changes.push_back(list_change(account, ListChange{kind, 0, std::string(stored_name(name)), {}, {}}));
}

}  // namespace loft::storage::rocks

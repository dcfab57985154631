#include "server/lmtp/recipient.h"

#include <algorithm>

#include "base/log.h"
#include "protocol/lmtp/reply.h"

namespace loft::server::lmtp {

namespace pl = proto::lmtp;

namespace {

// RFC 1870 §6.1 / RFC 3463 5.2.2: the declared size would not fit.
std::optional<Error> over_quota(storage::Store& store, storage::AccountId account, std::optional<uint64_t> size) {
  if (!size) return std::nullopt;
  auto q = store.quota(account);
  if (!q) return q.error();
  if ((q->byte_limit && q->bytes + *size > q->byte_limit) || (q->message_limit && q->messages + 1 > q->message_limit))
    return Error{Errc::no_quota, "Mailbox is full"};
  return std::nullopt;
}

Resolved refuse(const Error& e, std::string_view path) {
  if (e.code == Errc::not_found) return {std::nullopt, pl::reply(550, "5.1.1", "<" + std::string(path) + "> User doesn't exist")};
  pl::ReplyCode rc = pl::reply_code_for(e.code);
  return {std::nullopt, pl::reply(rc.code, rc.enhanced, "<" + std::string(path) + "> " + e.message)};
}

}  // namespace

Resolved resolve_recipient(storage::Store& store, const pl::Address& address, std::string_view path,
                           std::string_view detail_separators, const pl::Aliases* aliases,
                           std::optional<uint64_t> declared_size) {
  Recipient r;
  r.path = std::string(path);
  auto add = [&](const storage::Account& a, std::string mailbox) -> std::optional<Error> {
    if (auto e = over_quota(store, a.id, declared_size)) return e;
    r.targets.push_back({a.id, a.name, std::move(mailbox)});
    return std::nullopt;
  };
  // 1. The whole local part is an account ("a+b" may be a real name).
  auto whole = store.find_account(address.local);
  if (whole) {
    if (auto e = add(*whole, "INBOX")) return refuse(*e, path);
    return {std::move(r), {}};
  }
  if (whole.error().code != Errc::not_found) return refuse(whole.error(), path);
  // 2. user+detail: the folder when the account has it, INBOX otherwise.
  pl::LocalPart part = pl::split_detail(address, detail_separators);
  if (part.has_detail) {
    auto user = store.find_account(part.user);
    if (user) {
      std::string mailbox = "INBOX";
      if (!part.detail.empty()) {
        auto box = store.find_mailbox(user->id, part.detail);
        if (box) mailbox = box->name;
        else if (box.error().code != Errc::not_found) return refuse(box.error(), path);
      }
      if (auto e = add(*user, std::move(mailbox))) return refuse(*e, path);
      return {std::move(r), {}};
    }
    if (user.error().code != Errc::not_found) return refuse(user.error(), path);
  }
  // 3. Aliases: the address, then its user part without the detail.
  const std::vector<std::string>* targets = nullptr;
  if (aliases) {
    targets = aliases->find(address);
    if (!targets && part.has_detail) targets = aliases->find(pl::Address{part.user, address.domain, part.user});
  }
  if (!targets) return refuse(Error{Errc::not_found, "no such user"}, path);
  for (const auto& t : *targets) {
    pl::Address ta = pl::split_address(t);
    auto a = store.find_account(ta.local);
    if (!a) {
      if (a.error().code != Errc::not_found) return refuse(a.error(), path);
      log_warn("lmtp: alias ", address.local, " names ", t, ", which is no account");
      continue;
    }
    if (auto e = add(*a, "INBOX")) return refuse(*e, path);
  }
  if (r.targets.empty()) return refuse(Error{Errc::not_found, "no such user"}, path);
  return {std::move(r), {}};
}

DeliveryPlan plan_delivery(const std::vector<Recipient>& recipients, int64_t internal_date) {
  DeliveryPlan plan;
  for (const auto& r : recipients) {
    std::vector<size_t> mine;
    for (const auto& t : r.targets) {
      size_t i = 0;
      while (i < plan.targets.size() && plan.targets[i].account != t.account) ++i;
      if (i == plan.targets.size()) {  // this account's first copy
        storage::DeliveryTarget d;
        d.account = t.account;
        d.mailbox = t.mailbox;
        d.internal_date = internal_date;
        plan.targets.push_back(std::move(d));
        plan.target_mailbox.push_back(t.mailbox);
      }
      if (std::find(mine.begin(), mine.end(), i) == mine.end()) mine.push_back(i);
    }
    plan.of_recipient.push_back(std::move(mine));
  }
  return plan;
}

std::string recipient_reply(const Recipient& recipient, const std::vector<size_t>& indices, const DeliveryPlan& plan,
                            const std::vector<storage::DeliveryOutcome>& outcomes) {
  std::string uids;
  for (size_t i : indices) {
    const storage::DeliveryOutcome& o = outcomes[i];
    if (o.ok()) {
      if (!uids.empty()) uids.push_back(',');
      uids += std::to_string(o->uid);
      continue;
    }
    const std::string& box = plan.target_mailbox[i];
    if (o.error().code == Errc::not_found && box != "INBOX")  // the folder went after RCPT: retry lands in INBOX
      return pl::reply(451, "4.3.0", "<" + recipient.path + "> Folder " + box + " is gone, try again");
    pl::ReplyCode rc = pl::reply_code_for(o.error().code);
    return pl::reply(rc.code, rc.enhanced, "<" + recipient.path + "> " + o.error().message);
  }
  return pl::reply(250, "2.0.0", "<" + recipient.path + "> Saved as UID " + uids);
}

}  // namespace loft::server::lmtp

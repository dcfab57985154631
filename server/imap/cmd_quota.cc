// RFC 9208 QUOTA: GETQUOTA, GETQUOTAROOT and SETQUOTA over the store's
// per-account quota (storage::Quota, the limits `loftctl quota set` writes).
// Every account has one quota root for all its mailboxes, named "" (as in
// the RFC's examples); it exists while the account has a limit. Accounts in
// the config's quota_admins may also name another account's root by the
// account name, and alone may SETQUOTA (RFC 9208 §4.1.3); others get NO
// [NOPERM] and never learn whether another account exists.
#include <algorithm>
#include <limits>

#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/quota.h"
#include "server/connection.h"
#include "server/imap/mailbox_util.h"
#include "server/imap/session.h"
#include "server/server.h"

namespace loft::server::imap {

namespace pi = proto::imap;

namespace {

// RFC 9208 §5.1: STORAGE is counted in units of 1024 octets. Usage rounds up
// (a 1-octet message uses storage), the limit down (never promise more).
constexpr uint64_t kStorageUnit = 1024;

// The QUOTA resources of a root: those with a limit, STORAGE first.
std::vector<pi::QuotaResource> resources_of(const storage::Quota& q) {
  std::vector<pi::QuotaResource> out;
  if (q.byte_limit) out.push_back({"STORAGE", (q.bytes + kStorageUnit - 1) / kStorageUnit, q.byte_limit / kStorageUnit});
  if (q.message_limit) out.push_back({"MESSAGE", q.messages, q.message_limit});
  return out;
}

Error no_such_root() { return Error{Errc::not_found, "No such quota root"}; }

// The account a root names for this session (worker thread).
Result<storage::AccountId> resolve_root(storage::Store& store, const storage::Account& self, bool admin,
                                        const std::string& root) {
  if (root.empty()) return self.id;
  if (!admin) return no_such_root();
  auto acct = store.find_account(root);
  if (!acct) return acct.error().code == Errc::not_found ? no_such_root() : acct.error();
  return acct->id;
}

// Runs work(store, &untagged) on a worker, then on the loop sends the untagged
// answer and the tagged OK `done`, or hands the error to on_error. The
// session is busy until then.
template <class Work, class OnError>
void offload_quota(ImapSession& s, const std::string& tag, const char* done, Work work, OnError on_error) {
  struct Out {
    Result<void> result;
    std::string untagged;
  };
  auto res = std::make_shared<Out>();
  s.conn().offload([&s, res, work = std::move(work)] { res->result = work(s.store(), &res->untagged); },
                   [&s, res, tag, done, on_error = std::move(on_error)] {
                     if (!res->result) {
                       on_error(res->result.error());
                     } else {
                       s.send(res->untagged);
                       s.tagged(tag, pi::Status::ok, done);
                     }
                     s.finish();
                   });
}

}  // namespace

bool ImapSession::quota_admin() const {
  const auto& admins = conn_.server().config().quota_admins;
  return std::find(admins.begin(), admins.end(), account().name) != admins.end();
}

void ImapSession::handle(const std::string& tag, const pi::CmdGetQuota& c) {
  busy_ = true;
  offload_quota(
      *this, tag, "GETQUOTA completed",
      [self = account(), admin = quota_admin(), root = c.root](storage::Store& store, std::string* out) -> Result<void> {
        auto id = resolve_root(store, self, admin, root);
        if (!id) return id.error();
        auto q = store.quota(*id);
        if (!q) return q.error();
        auto resources = resources_of(*q);
        // RFC 9208 §4.1.1: a root without any limit does not exist.
        if (resources.empty()) return no_such_root();
        pi::QuotaResponse{root, resources}.serialize(out);
        return {};
      },
      [this, tag](const Error& e) { tagged_error(tag, e); });
}

void ImapSession::handle(const std::string& tag, const pi::CmdGetQuotaRoot& c) {
  auto name = checked_name(*this, tag, pi::decode_mailbox_name(c.mailbox, name_form()));
  if (!name) return;
  busy_ = true;
  offload_quota(
      *this, tag, "GETQUOTAROOT completed",
      [id = account().id, name = *name, form = name_form()](storage::Store& store, std::string* out) -> Result<void> {
        auto info = store.find_mailbox(id, name);
        if (!info) return info.error();
        auto q = store.quota(id);
        if (!q) return q.error();
        // RFC 9208 §4.1.2: the roots of the mailbox, then a QUOTA for each.
        auto resources = resources_of(*q);
        std::vector<std::string> roots;
        if (!resources.empty()) roots.emplace_back();
        pi::QuotaRootResponse{info->name, roots, form}.serialize(out);
        if (!resources.empty()) pi::QuotaResponse{"", resources}.serialize(out);
        return {};
      },
      [this, tag, name = *name](const Error& e) { tagged_mailbox_error(*this, tag, e, name); });
}

void ImapSession::handle(const std::string& tag, const pi::CmdSetQuota& c) {
  if (!quota_admin()) {
    tagged(tag, pi::Status::no, pi::ResponseCode::atom("NOPERM"), "Only quota administrators may set quotas");
    return;
  }
  // RFC 9208 §4.1.3: the limits given replace all previous ones; a resource
  // not named has no limit. The store keeps 0 as "no limit", so a limit of 0
  // cannot be stored and is refused rather than turned into "unlimited".
  uint64_t bytes = 0, messages = 0;
  for (const auto& [resource, limit] : c.limits) {
    if (resource != "STORAGE" && resource != "MESSAGE") {
      tagged(tag, pi::Status::no, pi::ResponseCode::atom("CANNOT"), "Unsupported quota resource " + resource);
      return;
    }
    if (limit == 0) {
      tagged(tag, pi::Status::no, pi::ResponseCode::atom("CANNOT"), "A quota limit of 0 is not supported");
      return;
    }
    if (resource == "STORAGE") {
      if (limit > std::numeric_limits<uint64_t>::max() / kStorageUnit) {
        tagged(tag, pi::Status::no, pi::ResponseCode::atom("LIMIT"), "STORAGE limit too large");
        return;
      }
      bytes = limit * kStorageUnit;
    } else {
      messages = limit;
    }
  }
  busy_ = true;
  offload_quota(
      *this, tag, "SETQUOTA completed",
      [self = account(), root = c.root, bytes, messages](storage::Store& store, std::string* out) -> Result<void> {
        auto id = resolve_root(store, self, true, root);
        if (!id) return id.error();
        if (auto r = store.set_quota(*id, bytes, messages); !r) return r;
        auto q = store.quota(*id);
        if (!q) return q.error();
        // The untagged QUOTA shows the new state; with no limit left the
        // root is gone and there is nothing to show.
        auto resources = resources_of(*q);
        if (!resources.empty()) pi::QuotaResponse{root, resources}.serialize(out);
        return {};
      },
      [this, tag](const Error& e) { tagged_error(tag, e); });
}

}  // namespace loft::server::imap

#include "server/admin/admin_service.h"

#include <utility>

#include "base/bytes.h"
#include "base/log.h"
#include "base/password.h"

namespace loft::server {

namespace wire = loft::proto::admin;

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '+' || c == '-';
}

wire::Response from(const Result<void>& r) {
  return r ? wire::Response::success() : wire::Response::failure(r.error());
}

}  // namespace

Result<std::string> AdminService::normalize_name(std::string_view name) {
  std::string n = ascii_lower(name);
  if (n.empty() || n.size() > 64) return make_error(Errc::bad_input, "account name must be 1 to 64 characters");
  for (char c : n)
    if (!name_char(c))
      return make_error(Errc::bad_input, "account name may only hold letters, digits and . _ + -");
  if (n[0] == '.' || n[0] == '_' || n[0] == '+' || n[0] == '-')
    return make_error(Errc::bad_input, "account name must start with a letter or digit");
  return n;
}

Result<void> AdminService::check_password(std::string_view password) {
  if (password.empty()) return make_error(Errc::bad_input, "empty password refused");
  if (password.size() > kMaxPassword)
    return make_error(Errc::bad_input, "password longer than " + std::to_string(kMaxPassword) + " bytes");
  return {};
}

Result<void> AdminService::user_add(std::string_view name, std::string_view password) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  if (auto ok = check_password(password); !ok) return ok;
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  auto account = store_.create_account(*n, *hash);
  if (!account) return account.error();
  log_info("admin: added account ", *n);
  return {};
}

Result<void> AdminService::user_passwd(std::string_view name, std::string_view password) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  if (auto ok = check_password(password); !ok) return ok;
  // Check first so that a typo costs no hashing time and says "not found".
  if (auto found = store_.find_account(*n); !found) return found.error();
  auto hash = hash_password(password);
  if (!hash) return hash.error();
  if (auto ok = store_.set_password(*n, *hash); !ok) return ok;
  log_info("admin: changed the password of ", *n);
  return {};
}

Result<void> AdminService::user_delete(std::string_view name) {
  auto n = normalize_name(name);
  if (!n) return n.error();
  if (auto ok = store_.delete_account(*n); !ok) return ok;
  log_info("admin: deleted account ", *n);
  return {};
}

wire::Response AdminService::check(bool repair) {
  auto issues = store_.check(repair);
  if (!issues) return wire::Response::failure(issues.error());
  wire::Response r;
  for (auto& i : *issues)
    r.rows.push_back(
        {std::move(i.check), std::move(i.subject), std::move(i.detail), i.repaired ? "repaired" : "found"});
  size_t repaired = 0;
  for (const auto& row : r.rows) repaired += row[3] == "repaired";
  log_info("admin: store check", repair ? " and repair" : "", ": ", r.rows.size(), " problem(s), ", repaired,
           " repaired");
  return r;
}

wire::Response AdminService::quota(const wire::Request& request) {
  auto n = normalize_name(request.name);
  if (!n) return wire::Response::failure(n.error());
  auto account = store_.find_account(*n);
  if (!account) return wire::Response::failure(account.error());
  if (request.kind == wire::RequestKind::quota_set) {
    if (auto ok = store_.set_quota(account->id, request.byte_limit, request.message_limit); !ok)
      return wire::Response::failure(ok.error());
    log_info("admin: quota of ", *n, ": ", request.byte_limit, " bytes, ", request.message_limit, " messages");
    return wire::Response::success();
  }
  auto q = store_.quota(account->id);
  if (!q) return wire::Response::failure(q.error());
  wire::Response r;
  r.rows.push_back({std::to_string(q->bytes), std::to_string(q->messages), std::to_string(q->byte_limit),
                    std::to_string(q->message_limit)});
  return r;
}

wire::Response AdminService::execute(const wire::Request& request) {
  switch (request.kind) {
    case wire::RequestKind::user_add: return from(user_add(request.name, request.password));
    case wire::RequestKind::user_passwd: return from(user_passwd(request.name, request.password));
    case wire::RequestKind::user_delete: return from(user_delete(request.name));
    case wire::RequestKind::ping: return wire::Response::success();
    case wire::RequestKind::store_check: return check(false);
    case wire::RequestKind::store_repair: return check(true);
    case wire::RequestKind::deliver:  // streams a body: AdminSession and loftctl run it in steps
      return wire::Response::failure(make_error(Errc::bad_input, "DELIVER needs a body stream"));
    case wire::RequestKind::index_status:  // AdminSession and loftctl index run these (server/search/index_admin.h)
    case wire::RequestKind::index_rebuild:
    case wire::RequestKind::index_optimize:
      return wire::Response::failure(make_error(Errc::bad_input, "INDEX requests are run by the indexer"));
    case wire::RequestKind::quota_get:
    case wire::RequestKind::quota_set: return quota(request);
    case wire::RequestKind::user_list: {
      auto accounts = store_.list_accounts();
      if (!accounts) return wire::Response::failure(accounts.error());
      wire::Response r;
      for (auto& a : *accounts) r.rows.push_back({std::move(a.name)});
      return r;
    }
  }
  return wire::Response::failure(make_error(Errc::bad_input, "unknown request"));
}

}  // namespace loft::server

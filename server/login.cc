#include "server/login.h"

#include <string>

#include "base/password.h"

namespace loft::server {

namespace {
const std::string& dummy_hash() {
  static const std::string hash = [] {
    auto h = hash_password("loft-dummy-password");
    return h ? *h : std::string();
  }();
  return hash;
}
}  // namespace

LoginCheck check_login(storage::Store& store, std::string_view user, std::string_view password) {
  LoginCheck out;
  auto account = store.find_account(user);
  if (!account) {
    out.temp_failure = account.error().code != Errc::not_found;
    verify_password(dummy_hash(), password);
    return out;
  }
  if (verify_password(account->password_hash, password)) out.account = std::move(*account);
  return out;
}

}  // namespace loft::server

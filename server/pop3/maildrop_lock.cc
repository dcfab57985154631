#include "server/pop3/maildrop_lock.h"

#include <mutex>
#include <unordered_set>

namespace loft::server::pop3 {

namespace {
std::mutex g_mutex;
std::unordered_set<storage::AccountId>& held() {
  static std::unordered_set<storage::AccountId> set;  // guarded by g_mutex
  return set;
}
}  // namespace

bool lock_maildrop(storage::AccountId account) {
  std::lock_guard<std::mutex> lock(g_mutex);
  return held().insert(account).second;
}

void unlock_maildrop(storage::AccountId account) {
  std::lock_guard<std::mutex> lock(g_mutex);
  held().erase(account);
}

}  // namespace loft::server::pop3

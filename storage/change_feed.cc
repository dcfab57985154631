#include "storage/change_feed.h"

#include <exception>

#include "base/log.h"

namespace loft::storage {

namespace {
// A throwing listener must not take the committer thread down with it.
void call(const ChangeFeed::Listener& listener, const MailboxChange& change) {
  try {
    listener(change);
  } catch (const std::exception& e) {
    log_error("storage: a change feed listener threw: ", e.what());
  } catch (...) {
    log_error("storage: a change feed listener threw");
  }
}
}  // namespace

uint64_t LocalChangeFeed::subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  uint64_t handle = next_handle_++;
  listeners_.emplace(handle, Entry{std::move(listener), true});
  return handle;
}

void LocalChangeFeed::unsubscribe(uint64_t handle) {
  std::lock_guard lock(mu_);
  auto it = listeners_.find(handle);
  if (it == listeners_.end()) return;
  if (publisher_ == std::this_thread::get_id()) {
    // Called from a listener: erasing now would destroy a std::function that
    // may be running; deactivate it and let publish() erase it.
    it->second.active = false;
    removed_.push_back(handle);
  } else {
    listeners_.erase(it);
  }
}

void LocalChangeFeed::publish(const std::vector<MailboxChange>& changes) {
  if (changes.empty()) return;
  std::lock_guard lock(mu_);
  if (listeners_.empty()) return;
  publisher_ = std::this_thread::get_id();
  for (const MailboxChange& change : changes) {
    // std::map iterators survive insertions, and erasure is deferred above.
    for (auto& [handle, entry] : listeners_)
      if (entry.active) call(entry.listener, change);
  }
  publisher_ = std::thread::id();
  for (uint64_t handle : removed_) listeners_.erase(handle);
  removed_.clear();
}

}  // namespace loft::storage

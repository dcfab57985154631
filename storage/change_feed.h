// The in-process ChangeFeed: a listener table that the committer publishes
// to after each durable batch.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/store.h"

namespace loft::storage {

class LocalChangeFeed final : public ChangeFeed {
 public:
  uint64_t subscribe(Listener listener) override;
  // Blocks while a publish is running on another thread, so that once it
  // returns the listener never runs again. From inside a listener it only
  // marks the listener removed (it must not wait for itself).
  void unsubscribe(uint64_t handle) override;

  // Calls every listener with every change, on the calling thread.
  void publish(const std::vector<MailboxChange>& changes);

 private:
  struct Entry {
    Listener listener;
    bool active = true;
  };
  // Recursive so that a listener may subscribe or unsubscribe.
  std::recursive_mutex mu_;
  std::map<uint64_t, Entry> listeners_;
  uint64_t next_handle_ = 1;
  std::thread::id publisher_;        // set while publish() runs
  std::vector<uint64_t> removed_;    // unsubscribed during publish(), erased after it
};

}  // namespace loft::storage

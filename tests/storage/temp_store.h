// Test helpers: a throwaway directory under /tmp and a store opened in it.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "storage/store.h"

namespace loft::storage::testing {

// A fresh directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "loft-storage-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Opens a store in dir; sync off unless asked (the fsync is tested on its own).
inline std::unique_ptr<Store> open_store(const TempDir& dir, size_t chunk_size = 64 * 1024, bool sync = false) {
  Options options;
  options.path = dir.path();
  options.sync = sync;
  options.chunk_size = chunk_size;
  auto store = Store::open(options);
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  return std::move(*store);
}

// The INBOX of a freshly created account.
inline MailboxInfo inbox_of(Store& store, AccountId account) {
  auto inbox = store.find_mailbox(account, "INBOX");
  REQUIRE(inbox.ok());
  return *inbox;
}

}  // namespace loft::storage::testing

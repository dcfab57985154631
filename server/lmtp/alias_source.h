// The aliases file of [lmtp] aliases, loaded at start and again on SIGHUP.
// Sessions take the current table as a shared pointer, so a reload never
// changes a lookup in progress; a file that fails to parse leaves the
// previous table in place.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"
#include "protocol/lmtp/aliases.h"

namespace loft::server::lmtp {

class AliasSource {
 public:
  // path empty: no aliases, load() does nothing.
  explicit AliasSource(std::string path) : path_(std::move(path)) {}

  // Reads and parses the file (blocking: at start or on a worker) and swaps
  // it in; on failure the current table stays and the error says why.
  Result<void> load();
  // The table in use (null when none is configured); any thread.
  std::shared_ptr<const proto::lmtp::Aliases> current() const;
  const std::string& path() const { return path_; }

 private:
  const std::string path_;
  mutable std::mutex mutex_;  // guards table_
  std::shared_ptr<const proto::lmtp::Aliases> table_;
};

}  // namespace loft::server::lmtp

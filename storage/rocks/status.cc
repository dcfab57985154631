#include "storage/rocks/status.h"

#include <string>

namespace loft::storage::rocks {

Error to_error(const rocksdb::Status& status, std::string_view what) {
  std::string message = std::string(what) + ": " + status.ToString();
  switch (status.code()) {
    case rocksdb::Status::kNotFound:
      return make_error(Errc::not_found, std::move(message));
    case rocksdb::Status::kCorruption:
    case rocksdb::Status::kNotSupported:
    case rocksdb::Status::kInvalidArgument:
      return make_error(Errc::internal, std::move(message));
    default:
      // I/O errors, busy, timeouts, incomplete, aborted: the caller may retry.
      return make_error(Errc::temp, std::move(message));
  }
}

Error open_error(const rocksdb::Status& status, std::string_view path) {
  // RocksDB reports a held LOCK as an IOError whose text mentions the lock:
  // "While lock file: .../LOCK: Resource temporarily unavailable" (another
  // process) or "lock hold by current process" (this one).
  const std::string text = status.ToString();
  if (status.IsIOError() && text.find("lock") != std::string::npos) {
    return make_error(Errc::in_use, "store " + std::string(path) +
                                        " is in use by another process (its LOCK is held): " + text);
  }
  return to_error(status, "opening store " + std::string(path));
}

Error corrupt(std::string_view what) {
  return make_error(Errc::internal, "corrupt store record: " + std::string(what));
}

}  // namespace loft::storage::rocks

// The one place where rocksdb::Status becomes a loft::Error, so that no
// RocksDB type travels past storage/.
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "base/result.h"

namespace loft::storage::rocks {

// Converts a failed status; `what` names the operation for the message.
Error to_error(const rocksdb::Status& status, std::string_view what);
// Like to_error, but recognises "the LOCK file is held" as Errc::in_use.
Error open_error(const rocksdb::Status& status, std::string_view path);
// A malformed record: the store is corrupt (or written by a newer release).
Error corrupt(std::string_view what);

}  // namespace loft::storage::rocks

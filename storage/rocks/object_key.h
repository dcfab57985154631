// The store's object-id key (docs/storage.md, "object_key"): random bytes
// made once per store, so that identifiers derived from internal ids by the
// layer above are stable for the store's life and guessable by no one else.
#pragma once

#include <string>

#include "base/result.h"

namespace loft::storage::rocks {

class Db;

// Reads the key, or makes and writes it (synced when sync) on a store that
// has none yet: a new store, or one from before schema 3.
Result<std::string> load_object_key(const Db& db, bool sync);

}  // namespace loft::storage::rocks

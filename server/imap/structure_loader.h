// The MIME structure of a stored message for FETCH: the one stored with its
// body (docs/storage.md, "Message structure"), or, for a body stored without
// one (older stores) or with an unreadable one, the structure parsed now by
// streaming the body through the parser in 64 KiB pieces. Blocking store
// I/O: call on a worker.
#pragma once

#include "base/result.h"
#include "protocol/mime/structure.h"
#include "storage/store.h"

namespace loft::server::imap {

Result<proto::mime::Structure> load_structure(storage::Store& store, const storage::MessageMeta& meta);

}  // namespace loft::server::imap

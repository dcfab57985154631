#include "server/imap/structure_loader.h"

#include <algorithm>

#include "base/log.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"

namespace loft::server::imap {

namespace {
constexpr uint64_t kStructureReadPiece = 64 * 1024;
}

Result<proto::mime::Structure> load_structure(storage::Store& store, const storage::MessageMeta& m) {
  auto stored = store.read_structure(m.blob);
  if (!stored) return stored.error();
  if (!stored->empty()) {
    auto decoded = proto::mime::decode_structure(*stored);
    if (decoded) return decoded;
    log_warn("imap: stored structure of blob ", m.blob, " is unreadable (", decoded.error().message,
             "): parsing the body again");
  }
  proto::mime::Parser parser;
  for (uint64_t off = 0; off < m.size; off += kStructureReadPiece) {
    auto bytes = storage::read_body_exact(store, m.blob, off, std::min(kStructureReadPiece, m.size - off));
    if (!bytes) return bytes.error();
    parser.feed(*bytes);
  }
  return parser.finish();
}

}  // namespace loft::server::imap

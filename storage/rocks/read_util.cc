#include "storage/rocks/read_util.h"

namespace loft::storage::rocks {

Result<MailboxInfo> read_mailbox(const Db& db, MailboxId id, const rocksdb::ReadOptions& ro) {
  auto v = db.get(kMailboxesCf, id_key(id), ro);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no mailbox with id " + std::to_string(id));
  auto m = decode_mailbox(id, **v);
  if (!m) return corrupt("mailbox " + std::to_string(id));
  return *m;
}

Result<BlobRecord> read_blob(const Db& db, BlobId id, const rocksdb::ReadOptions& ro) {
  auto v = db.get(kBlobsCf, id_key(id), ro);
  if (!v) return v.error();
  if (!*v) return make_error(Errc::not_found, "no body with id " + std::to_string(id));
  auto b = decode_blob(**v);
  if (!b) return corrupt("blob " + std::to_string(id));
  return *b;
}

}  // namespace loft::storage::rocks

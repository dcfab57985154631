#include "storage/rocks/object_key.h"

#include <random>

#include "storage/rocks/db.h"
#include "storage/rocks/keys.h"
#include "storage/rocks/status.h"

namespace loft::storage::rocks {

Result<std::string> load_object_key(const Db& db, bool sync) {
  auto v = db.get(kMetaCf, std::string(kObjectKeyKey));
  if (!v) return v.error();
  if (*v) {
    auto key = decode_bytes(**v);
    if (!key || key->size() != kObjectKeySize) return corrupt("object key");
    return *key;
  }
  // std::random_device reads the kernel's random source on Linux (getrandom).
  std::random_device rd;
  std::string key;
  while (key.size() < kObjectKeySize) {
    uint32_t r = rd();
    for (int i = 0; i < 4 && key.size() < kObjectKeySize; ++i) key.push_back(static_cast<char>(r >> (8 * i)));
  }
  rocksdb::WriteOptions wo;
  wo.sync = sync;  // durable before any identifier derived from it is shown
  rocksdb::Status s = db.db()->Put(wo, db.cf(kMetaCf), std::string(kObjectKeyKey), encode_bytes(key));
  if (!s.ok()) return to_error(s, "writing the object key");
  return key;
}

}  // namespace loft::storage::rocks

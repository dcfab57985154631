#include "server/transform/tls_transform.h"

namespace loft::server {

Transform::Status TlsTransform::take(TlsSession::Status st) {
  if (st == TlsSession::Status::ok) return Status::ok;
  error_ = session_.error();
  return Status::failed;
}

Transform::Status TlsTransform::decode(std::string_view in, std::string* decoded, std::string* reply) {
  return take(session_.feed_ciphertext(in, decoded, reply));
}

Transform::Status TlsTransform::encode(std::string_view in, std::string* out) {
  if (in.empty()) return Status::ok;
  return take(session_.encrypt(in, out));
}

}  // namespace loft::server

// TLS as a transform: the TlsSession over memory BIOs seen through the
// Transform interface, so that Connection drives TLS and DEFLATE the same way.
#pragma once

#include "server/tls/tls_session.h"
#include "server/transform/transform.h"

namespace loft::server {

class TlsContext;

class TlsTransform final : public Transform {
 public:
  // A server-side session that starts with the handshake (RFC 8446 §2).
  explicit TlsTransform(const TlsContext& ctx) : session_(ctx) {}

  Kind kind() const override { return Kind::tls; }
  // Handshake records and alerts go to *reply; they are already on the wire form.
  Status decode(std::string_view in, std::string* decoded, std::string* reply) override;
  Status encode(std::string_view in, std::string* out) override;
  bool ready() const override { return session_.handshake_done(); }
  // A close_notify alert (RFC 8446 §6.1).
  void close(std::string* out) override { session_.shutdown(out); }
  // TlsSession frees its record buffers after every call already.

 private:
  Status take(TlsSession::Status st);
  TlsSession session_;
};

}  // namespace loft::server

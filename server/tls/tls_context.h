// Server-side TLS configuration (OpenSSL 3.0): TLS 1.2 or newer only, one
// certificate chain and key loaded at start. Sessions run over memory BIOs
// (tls_session.h) so that libuv owns every socket and OpenSSL none.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace loft::server {

class TlsContext {
 public:
  // Loads cert (PEM chain) and key. Errors name the file and OpenSSL's reason.
  static Result<std::unique_ptr<TlsContext>> load(const std::string& cert_path, const std::string& key_path);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

// Creates a self-signed certificate and key (EC P-256, 10 years, CN=hostname)
// at the given paths unless both exist already; the key file gets mode 0600.
Result<void> ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                                const std::string& hostname);

// The text of OpenSSL's most recent error queue entries (and clears it).
std::string openssl_error_string();

}  // namespace loft::server

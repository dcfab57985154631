// Server-side TLS configuration (OpenSSL 3.0): TLS 1.2 and 1.3 only, AEAD
// ciphers with forward secrecy, one certificate chain and key, resumption by
// session tickets (keys shared by every context, ticket_keys.h) and by a
// server-side session cache. Sessions run over memory BIOs (tls_session.h) so
// that libuv owns every socket and OpenSSL none. One context serves every
// loop (OpenSSL locks its cache); a reload builds a new one.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"

typedef struct ssl_ctx_st SSL_CTX;

namespace loft::server {

class TicketKeys;

class TlsContext {
 public:
  // Loads cert (PEM chain) and key. Errors name the file and OpenSSL's reason.
  // With tickets, the context issues and accepts tickets under those keys
  // (which must outlive the context and its sessions); without, none.
  static Result<std::unique_ptr<TlsContext>> load(const std::string& cert_path, const std::string& key_path,
                                                   TicketKeys* tickets = nullptr);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  SSL_CTX* native() const { return ctx_; }
  // Lifetime of a resumable session (ticket or cache entry), in seconds.
  static constexpr long kSessionTimeout = 3600;

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

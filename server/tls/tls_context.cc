#include "server/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "server/tls/ticket_keys.h"

namespace loft::server {

std::string openssl_error_string() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown TLS error" : out;
}

namespace {
// TLS 1.2: ECDHE (forward secrecy) with AEAD ciphers only, as Mozilla's
// "intermediate" profile; TLS 1.3 suites are all AEAD (RFC 8446 §9.1).
constexpr const char* kCiphers12 =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kSuites13 = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";
constexpr unsigned char kSessionIdContext[] = "loft";
}  // namespace

Result<std::unique_ptr<TlsContext>> TlsContext::load(const std::string& cert_path, const std::string& key_path,
                                                     TicketKeys* tickets) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return make_error(Errc::internal, "SSL_CTX_new: " + openssl_error_string());
  std::unique_ptr<TlsContext> holder(new TlsContext(ctx));
  // TLS 1.0/1.1 are deprecated (RFC 8996); nothing newer than 1.3 is known.
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  if (SSL_CTX_set_cipher_list(ctx, kCiphers12) != 1 || SSL_CTX_set_ciphersuites(ctx, kSuites13) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kGroups) != 1)
    return make_error(Errc::internal, "TLS cipher settings: " + openssl_error_string());
  // Release the 16+ KiB record buffers while a connection is idle: this is
  // what keeps an idle TLS session within a few KiB.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // Resumption skips the certificate signature and key exchange of a full
  // handshake. TLS 1.2 clients without tickets resume from the server cache
  // (shared by every loop: OpenSSL locks it); tickets need no server state.
  SSL_CTX_set_session_id_context(ctx, kSessionIdContext, sizeof kSessionIdContext - 1);
  SSL_CTX_set_timeout(ctx, kSessionTimeout);
  if (tickets) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_sess_set_cache_size(ctx, 20000);
    SSL_CTX_set_num_tickets(ctx, 1);  // TLS 1.3: one ticket per connection (RFC 8446 §4.6.1)
    tickets->install(ctx);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_path.c_str()) != 1)
    return make_error(Errc::not_found, "cannot load TLS certificate " + cert_path + ": " + openssl_error_string());
  if (SSL_CTX_use_PrivateKey_file(ctx, key_path.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(Errc::not_found, "cannot load TLS key " + key_path + ": " + openssl_error_string());
  if (SSL_CTX_check_private_key(ctx) != 1)
    return make_error(Errc::bad_input, "TLS key " + key_path + " does not match " + cert_path);
  return holder;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

}  // namespace loft::server

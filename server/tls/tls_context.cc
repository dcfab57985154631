#include "server/tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

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

Result<std::unique_ptr<TlsContext>> TlsContext::load(const std::string& cert_path, const std::string& key_path) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return make_error(Errc::internal, "SSL_CTX_new: " + openssl_error_string());
  std::unique_ptr<TlsContext> holder(new TlsContext(ctx));
  // TLS 1.0/1.1 are deprecated (RFC 8996).
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // Release the 16+ KiB record buffers while a connection is idle: this is
  // what keeps an idle TLS session within a few KiB.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_ENABLE_PARTIAL_WRITE);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
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

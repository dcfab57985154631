// One server-side TLS session over memory BIOs: ciphertext comes in from the
// socket through feed_ciphertext(), plaintext goes out through encrypt(); the
// caller moves bytes between these and libuv. No socket is touched here.
#pragma once

#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace loft::server {

class TlsContext;

class TlsSession {
 public:
  explicit TlsSession(const TlsContext& ctx);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  enum class Status { ok, failed };
  // Gives received ciphertext to OpenSSL, drives the handshake, and appends any
  // decrypted application bytes to *plaintext and any bytes to send to *out.
  // failed: a fatal TLS error (the connection must close after flushing *out).
  Status feed_ciphertext(std::string_view in, std::string* plaintext, std::string* out);
  // Encrypts application bytes, appending the records to *out.
  Status encrypt(std::string_view plaintext, std::string* out);
  // Appends a close_notify alert to *out.
  void shutdown(std::string* out);

  bool handshake_done() const { return handshake_done_; }
  // False while the session is idle after its handshake: its memory BIOs are freed.
  bool holds_bios() const { return in_ != nullptr; }
  // Why the session failed (for the log).
  const std::string& error() const { return error_; }

 private:
  void drain(std::string* out);
  // Gives ssl_ two empty memory BIOs if it has none (an idle session's were freed).
  void attach_bios();
  // Frees OpenSSL's record buffers and the memory BIOs (or their capacity) while idle.
  void release_idle_buffers();
  SSL* ssl_;
  BIO* in_ = nullptr;   // OpenSSL reads ciphertext from here; null while idle
  BIO* out_ = nullptr;  // OpenSSL writes ciphertext here; null while idle
  bool handshake_done_ = false;
  std::string error_;
};

}  // namespace loft::server

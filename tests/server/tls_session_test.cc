// The server's TLS session over memory BIOs, driven by a real OpenSSL client
// (also over memory BIOs): handshake, both directions, and bad input.
#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "server/tls/tls_context.h"
#include "server/tls/tls_session.h"

namespace server_tls_session_test {

using namespace loft::server;

namespace {

struct Client {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = nullptr;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  explicit Client(int max_version = 0) {
    if (max_version) SSL_CTX_set_max_proto_version(ctx, max_version);
    SSL_CTX_set_security_level(ctx, 0);
    ssl = SSL_new(ctx);
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
  }
  ~Client() {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  std::string take() {
    std::string s;
    char buf[4096];
    int n;
    while ((n = BIO_read(out, buf, sizeof buf)) > 0) s.append(buf, static_cast<size_t>(n));
    return s;
  }
  void give(const std::string& s) { BIO_write(in, s.data(), static_cast<int>(s.size())); }
};

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/loft-tls-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Runs the handshake to completion (or failure) by moving bytes both ways.
bool handshake(Client& c, TlsSession& s) {
  for (int round = 0; round < 20; ++round) {
    int r = SSL_do_handshake(c.ssl);
    std::string plain, out;
    if (s.feed_ciphertext(c.take(), &plain, &out) == TlsSession::Status::failed) return false;
    c.give(out);
    if (r == 1 && s.handshake_done()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a self-signed certificate is generated once and loads as a TLS context") {
  TempDir dir;
  std::string cert = dir.path + "/tls/c.pem", key = dir.path + "/tls/k.pem";
  REQUIRE(ensure_self_signed(cert, key, "mail.test").ok());
  auto mtime = std::filesystem::last_write_time(cert);
  REQUIRE(ensure_self_signed(cert, key, "mail.test").ok());  // kept, not regenerated
  CHECK(std::filesystem::last_write_time(cert) == mtime);
  CHECK((std::filesystem::status(key).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  CHECK(TlsContext::load(cert, key).ok());
  auto bad = TlsContext::load(dir.path + "/missing.pem", key);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("missing.pem") != std::string::npos);
}

TEST_CASE("a TLS session over memory BIOs handshakes and carries bytes both ways") {
  TempDir dir;
  REQUIRE(ensure_self_signed(dir.path + "/c.pem", dir.path + "/k.pem", "mail.test").ok());
  auto ctx = TlsContext::load(dir.path + "/c.pem", dir.path + "/k.pem");
  REQUIRE(ctx.ok());
  TlsSession server(**ctx);
  Client client;
  REQUIRE(handshake(client, server));
  CHECK(SSL_version(client.ssl) >= TLS1_2_VERSION);
  CHECK_FALSE(server.holds_bios());  // idle: the memory BIOs are freed until the next read or write

  std::string request = "a1 NOOP\r\n";
  REQUIRE(SSL_write(client.ssl, request.data(), static_cast<int>(request.size())) > 0);
  std::string plain, out;
  // Feed one byte at a time: records may arrive split anywhere.
  for (char ch : client.take()) REQUIRE(server.feed_ciphertext(std::string(1, ch), &plain, &out) == TlsSession::Status::ok);
  CHECK(plain == request);

  std::string big(200000, 'x');
  std::string cipher;
  REQUIRE(server.encrypt(big, &cipher) == TlsSession::Status::ok);
  client.give(cipher);
  std::string got;
  char buf[16384];
  int n;
  while ((n = SSL_read(client.ssl, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  CHECK(got == big);
  CHECK_FALSE(server.holds_bios());
  // ...and the session goes on after the idle spell: another round trip.
  REQUIRE(SSL_write(client.ssl, request.data(), static_cast<int>(request.size())) > 0);
  plain.clear();
  REQUIRE(server.feed_ciphertext(client.take(), &plain, &out) == TlsSession::Status::ok);
  CHECK(plain == request);
  cipher.clear();
  REQUIRE(server.encrypt("a1 OK\r\n", &cipher) == TlsSession::Status::ok);
  client.give(cipher);
  got.clear();
  while ((n = SSL_read(client.ssl, buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  CHECK(got == "a1 OK\r\n");
}

TEST_CASE("TLS 1.1 and garbage are refused without crashing") {
  TempDir dir;
  REQUIRE(ensure_self_signed(dir.path + "/c.pem", dir.path + "/k.pem", "mail.test").ok());
  auto ctx = TlsContext::load(dir.path + "/c.pem", dir.path + "/k.pem");
  REQUIRE(ctx.ok());
  {
    TlsSession server(**ctx);
    Client old(TLS1_1_VERSION);
    CHECK_FALSE(handshake(old, server));
  }
  {
    TlsSession server(**ctx);
    std::string plain, out;
    CHECK(server.feed_ciphertext("a1 LOGIN user pass\r\n", &plain, &out) == TlsSession::Status::failed);
    CHECK(plain.empty());
  }
}

}  // namespace server_tls_session_test

// TLS session resumption without sockets: the server's TlsSession and an
// OpenSSL client, both over memory BIOs. Tickets under shared TicketKeys
// resume across contexts (a certificate reload) and across one rotation, not
// after the key is gone; TLS 1.2 clients without tickets resume from the cache.
#include <doctest/doctest.h>
#include <openssl/ssl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "server/tls/ticket_keys.h"
#include "server/tls/tls_context.h"
#include "server/tls/tls_session.h"

namespace server_tls_resumption_test {

using namespace loft::server;

namespace {

struct TempCert {
  std::string dir, cert, key;
  TempCert() {
    char tmpl[] = "/tmp/loft-resume-XXXXXX";
    dir = mkdtemp(tmpl);
    cert = dir + "/c.pem";
    key = dir + "/k.pem";
    REQUIRE(ensure_self_signed(cert, key, "mail.test").ok());
  }
  ~TempCert() { std::filesystem::remove_all(dir); }
};

// A client connection over memory BIOs; version pins TLS 1.2 or 1.3.
struct Client {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = nullptr;
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  Client(int version, SSL_SESSION* resume, bool tickets = true) {
    SSL_CTX_set_min_proto_version(ctx, version);
    SSL_CTX_set_max_proto_version(ctx, version);
    if (!tickets) SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    ssl = SSL_new(ctx);
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_connect_state(ssl);
    if (resume) SSL_set_session(ssl, resume);
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
};

// Full exchange: handshake, then one read so that a TLS 1.3 ticket (sent
// after the handshake, RFC 8446 §4.6.1) reaches the client. Returns the
// client's session (caller frees) and whether the handshake resumed one.
SSL_SESSION* connect(const TlsContext& ctx, int version, SSL_SESSION* resume, bool* resumed, bool tickets = true) {
  Client c(version, resume, tickets);
  TlsSession s(ctx);
  bool done = false;
  for (int round = 0; round < 20 && !done; ++round) {
    int r = SSL_do_handshake(c.ssl);
    std::string plain, out;
    REQUIRE(s.feed_ciphertext(c.take(), &plain, &out) == TlsSession::Status::ok);
    BIO_write(c.in, out.data(), static_cast<int>(out.size()));
    done = r == 1 && s.handshake_done();
  }
  REQUIRE(done);
  std::string cipher;
  REQUIRE(s.encrypt("* OK\r\n", &cipher) == TlsSession::Status::ok);
  BIO_write(c.in, cipher.data(), static_cast<int>(cipher.size()));
  char buf[64];
  REQUIRE(SSL_read(c.ssl, buf, sizeof buf) == 6);
  *resumed = SSL_session_reused(c.ssl) == 1;
  // The client closes politely (else OpenSSL marks its session unusable);
  // the server side just goes away, as after a dropped connection.
  SSL_shutdown(c.ssl);
  return SSL_get1_session(c.ssl);
}

// Connects once to get a session, then again with it: did the second resume?
bool resumes(const TlsContext& first, const TlsContext& second, int version, TicketKeys* rotate_between = nullptr,
             int rotations = 0, bool tickets = true) {
  bool resumed = false;
  SSL_SESSION* sess = connect(first, version, nullptr, &resumed, tickets);
  CHECK_FALSE(resumed);
  for (int i = 0; i < rotations; ++i) rotate_between->rotate();
  SSL_SESSION* again = connect(second, version, sess, &resumed, tickets);
  SSL_SESSION_free(sess);
  SSL_SESSION_free(again);
  return resumed;
}

}  // namespace

TEST_CASE("tickets resume TLS 1.3 and 1.2 sessions, also on a reloaded context with the same keys") {
  TempCert cert;
  TicketKeys keys;
  auto a = TlsContext::load(cert.cert, cert.key, &keys);
  auto b = TlsContext::load(cert.cert, cert.key, &keys);  // what SIGHUP builds
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    CHECK(resumes(**a, **a, version));
    CHECK(resumes(**a, **b, version));
  }
}

TEST_CASE("a rotated ticket key still decrypts; once dropped, the client gets a full handshake") {
  TempCert cert;
  TicketKeys keys;
  auto ctx = TlsContext::load(cert.cert, cert.key, &keys);
  REQUIRE(ctx.ok());
  CHECK(keys.size() == 1);
  for (int version : {TLS1_3_VERSION, TLS1_2_VERSION}) {
    CAPTURE(version);
    CHECK(resumes(**ctx, **ctx, version, &keys, 1));
    CHECK_FALSE(resumes(**ctx, **ctx, version, &keys, static_cast<int>(TicketKeys::kKeep)));
  }
  CHECK(keys.size() == TicketKeys::kKeep);
}

TEST_CASE("TLS 1.2 clients without tickets resume from the server's session cache") {
  TempCert cert;
  TicketKeys keys;
  auto ctx = TlsContext::load(cert.cert, cert.key, &keys);
  REQUIRE(ctx.ok());
  CHECK(resumes(**ctx, **ctx, TLS1_2_VERSION, nullptr, 0, /*tickets=*/false));
  // A context without ticket keys keeps no session state at all.
  auto plain = TlsContext::load(cert.cert, cert.key);
  REQUIRE(plain.ok());
  CHECK_FALSE(resumes(**plain, **plain, TLS1_3_VERSION));
  CHECK_FALSE(resumes(**plain, **plain, TLS1_2_VERSION, nullptr, 0, false));
}

TEST_CASE("the context offers TLS 1.2 and 1.3 only") {
  TempCert cert;
  auto ctx = TlsContext::load(cert.cert, cert.key);
  REQUIRE(ctx.ok());
  CHECK(SSL_CTX_get_min_proto_version((*ctx)->native()) == TLS1_2_VERSION);
  CHECK(SSL_CTX_get_max_proto_version((*ctx)->native()) == TLS1_3_VERSION);
}

}  // namespace server_tls_resumption_test

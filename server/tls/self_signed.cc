// Generates the self-signed certificate of the embedded default, so that TLS
// works from the first start without any manual step.
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/log.h"
#include "server/tls/tls_context.h"

namespace loft::server {

namespace {
struct Deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(FILE* f) const { std::fclose(f); }
};

Result<void> write_pem(const std::string& path, mode_t mode, bool key, EVP_PKEY* pkey, X509* cert) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0) return make_error(Errc::perm, "cannot create " + tmp);
  std::unique_ptr<FILE, Deleter> f(fdopen(fd, "w"));
  if (!f) { ::close(fd); return make_error(Errc::temp, "fdopen " + tmp); }
  int ok = key ? PEM_write_PrivateKey(f.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
               : PEM_write_X509(f.get(), cert);
  if (ok != 1 || std::fflush(f.get()) != 0 || fsync(fileno(f.get())) != 0)
    return make_error(Errc::temp, "cannot write " + tmp + ": " + openssl_error_string());
  f.reset();
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return make_error(Errc::temp, "cannot rename " + tmp);
  return {};
}
}  // namespace

Result<void> ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                                const std::string& hostname) {
  std::error_code ec;
  if (std::filesystem::exists(cert_path, ec) && std::filesystem::exists(key_path, ec)) return {};
  for (const auto& p : {cert_path, key_path}) {
    auto dir = std::filesystem::path(p).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(Errc::perm, "cannot create " + dir.string() + ": " + ec.message());
  }
  std::unique_ptr<EVP_PKEY, Deleter> pkey(EVP_EC_gen("P-256"));
  if (!pkey) return make_error(Errc::internal, "EC key generation failed: " + openssl_error_string());
  std::unique_ptr<X509, Deleter> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600);
  X509_set_pubkey(cert.get(), pkey.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("Loft"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(hostname.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), pkey.get(), EVP_sha256()) <= 0)
    return make_error(Errc::internal, "certificate signing failed: " + openssl_error_string());
  if (auto r = write_pem(key_path, 0600, true, pkey.get(), nullptr); !r) return r;
  if (auto r = write_pem(cert_path, 0644, false, nullptr, cert.get()); !r) return r;
  log_info("generated a self-signed certificate for ", hostname, " at ", cert_path);
  return {};
}

}  // namespace loft::server

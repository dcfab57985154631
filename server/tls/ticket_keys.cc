#include "server/tls/ticket_keys.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace loft::server {

namespace {

int ex_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool set_hmac_key(EVP_MAC_CTX* hctx, TicketKeys::Key& key) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, key.hmac.data(), key.hmac.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(hctx, params) == 1;
}

// OpenSSL's ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb):
// enc=1 issue a ticket with the current key; enc=0 find the key by name.
// Returns 1 (ok), 2 (ok, but issue a fresh ticket: old key), 0 (unknown key:
// full handshake), -1 (error).
int ticket_cb_body(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx,
                   EVP_MAC_CTX* hctx, int enc) {
  auto* keys = static_cast<TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (!keys) return -1;
  const EVP_CIPHER* cipher = EVP_aes_256_cbc();
  if (enc) {
    TicketKeys::Key key = keys->encrypting_key();
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(cipher)) != 1) return -1;
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (EVP_EncryptInit_ex(cctx, cipher, nullptr, key.aes.data(), iv) != 1) return -1;
    return set_hmac_key(hctx, key) ? 1 : -1;
  }
  TicketKeys::Key key;
  bool current = false;
  if (!keys->find(key_name, &key, &current)) return 0;
  if (!set_hmac_key(hctx, key)) return -1;
  if (EVP_DecryptInit_ex(cctx, cipher, nullptr, key.aes.data(), iv) != 1) return -1;
  return current ? 1 : 2;
}

int ticket_cb(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx,
              int enc) {
  try {  // no exception may cross OpenSSL's C frames
    return ticket_cb_body(ssl, key_name, iv, cctx, hctx, enc);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

TicketKeys::TicketKeys(std::chrono::seconds rotate_every) : rotate_every_(rotate_every) { rotate(); }

void TicketKeys::install(SSL_CTX* ctx) {
  SSL_CTX_set_ex_data(ctx, ex_index(), this);
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_cb);
}

void TicketKeys::rotate() {
  std::unique_lock lock(mu_);
  rotate_locked();
}

void TicketKeys::rotate_locked() {
  Key k;
  if (RAND_bytes(k.name.data(), k.name.size()) != 1 || RAND_bytes(k.aes.data(), k.aes.size()) != 1 ||
      RAND_bytes(k.hmac.data(), k.hmac.size()) != 1)
    throw std::runtime_error("RAND_bytes failed for a ticket key");
  k.created = std::chrono::steady_clock::now();
  keys_.push_front(k);
  while (keys_.size() > kKeep) keys_.pop_back();
}

size_t TicketKeys::size() const {
  std::shared_lock lock(mu_);
  return keys_.size();
}

TicketKeys::Key TicketKeys::encrypting_key() {
  {
    std::shared_lock lock(mu_);
    if (std::chrono::steady_clock::now() - keys_.front().created < rotate_every_) return keys_.front();
  }
  std::unique_lock lock(mu_);  // another thread may have rotated meanwhile
  if (std::chrono::steady_clock::now() - keys_.front().created >= rotate_every_) rotate_locked();
  return keys_.front();
}

bool TicketKeys::find(const unsigned char* name, Key* out, bool* current) const {
  std::shared_lock lock(mu_);
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (std::memcmp(keys_[i].name.data(), name, keys_[i].name.size()) == 0) {
      *out = keys_[i];
      *current = i == 0;
      return true;
    }
  }
  return false;
}

}  // namespace loft::server

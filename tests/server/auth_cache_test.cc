// AuthCache: only a verified (user, stored hash, password) triple hits, for
// its TTL; a changed stored hash or another password never does; bounded.
#include <doctest/doctest.h>

#include <string>

#include "server/auth_cache.h"

namespace server_auth_cache_test {

using loft::server::AuthCache;

TEST_CASE("a remembered check hits only with the same password and stored hash, within the TTL") {
  AuthCache c(10, 1000);
  CHECK_FALSE(c.verified("alice", "$argon2id$h1", "secret", 0));  // never verified
  c.remember("alice", "$argon2id$h1", "secret", 0);
  CHECK(c.verified("alice", "$argon2id$h1", "secret", 999));
  CHECK_FALSE(c.verified("alice", "$argon2id$h1", "Secret", 10));   // another password
  CHECK_FALSE(c.verified("alice", "$argon2id$h1", "secre", 10));
  CHECK_FALSE(c.verified("alice", "$argon2id$h2", "secret", 10));   // password changed in the store
  CHECK_FALSE(c.verified("bob", "$argon2id$h1", "secret", 10));     // another account
  CHECK(c.verified("alice", "$argon2id$h1", "secret", 10));         // misses do not evict
  CHECK_FALSE(c.verified("alice", "$argon2id$h1", "secret", 1000));  // expired
  CHECK(c.size() == 0);                                              // and dropped
}

TEST_CASE("field boundaries are part of the tag") {
  AuthCache c(10, 1000);
  c.remember("alice", "ab", "c", 0);
  CHECK_FALSE(c.verified("alice", "a", "bc", 1));
  CHECK(c.verified("alice", "ab", "c", 1));
}

TEST_CASE("a new check replaces the entry; the oldest entry goes when full") {
  AuthCache c(2, 1000);
  c.remember("a", "h", "p1", 0);
  c.remember("a", "h", "p2", 1);
  CHECK_FALSE(c.verified("a", "h", "p1", 2));
  CHECK(c.verified("a", "h", "p2", 2));
  c.remember("b", "h", "p", 3);
  c.remember("c", "h", "p", 4);  // full: "a" was remembered first
  CHECK(c.size() == 2);
  CHECK_FALSE(c.verified("a", "h", "p2", 5));
  CHECK(c.verified("b", "h", "p", 5));
  CHECK(c.verified("c", "h", "p", 5));
}

TEST_CASE("a cache of size or TTL 0 never hits") {
  AuthCache none(0, 1000), instant(10, 0);
  none.remember("a", "h", "p", 0);
  instant.remember("a", "h", "p", 0);
  CHECK_FALSE(none.verified("a", "h", "p", 0));
  CHECK_FALSE(instant.verified("a", "h", "p", 0));
}

}  // namespace server_auth_cache_test

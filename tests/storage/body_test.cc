#include <doctest/doctest.h>

#include <random>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_body_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

// Text that compresses well, unlike random_bytes.
std::string text_body(size_t n) {
  std::string s = "From: a@example.org\r\nSubject: test\r\n\r\n";
  while (s.size() < n) s += "The quick brown fox jumps over the lazy dog " + std::to_string(s.size()) + "\r\n";
  s.resize(n);
  return s;
}

MessageMeta meta_of(Store& store, const DeliveredCopy& copy) {
  auto metas = store.messages(copy.mailbox, std::vector<uint32_t>{copy.uid});
  REQUIRE(metas.ok());
  REQUIRE(metas->size() == 1);
  return metas->front();
}

}  // namespace

TEST_CASE("one delivery to several accounts stores one body with one reference per copy") {
  TempDir dir;
  auto store = open_store(dir);
  std::vector<AccountId> ids;
  for (const char* n : {"a", "b", "c"}) ids.push_back(store->create_account(n, "h")->id);

  const std::string body = text_body(5000);
  auto copies = store->deliver(body, ids, 1700000000);
  REQUIRE(copies.ok());
  REQUIRE(copies->size() == 3);
  BlobId blob = 0;
  for (size_t i = 0; i < 3; ++i) {
    const DeliveredCopy& c = (*copies)[i];
    CHECK(c.account == ids[i]);
    CHECK(c.mailbox == inbox_of(*store, ids[i]).id);
    CHECK(c.uid == 1);
    MessageMeta m = meta_of(*store, c);
    CHECK(m.size == body.size());
    CHECK(m.internal_date == 1700000000);
    CHECK(m.flags == 0);
    if (i == 0) blob = m.blob;
    CHECK(m.blob == blob);  // shared, not copied
  }
  auto info = store->blob_info(blob);
  REQUIRE(info.ok());
  CHECK(info->refs == 3);
  CHECK(info->size == body.size());
  CHECK(*store->read_body(blob, 0, body.size()) == body);

  MailboxInfo inbox = inbox_of(*store, ids[0]);
  CHECK(inbox.messages == 1);
  CHECK(inbox.unseen == 1);
  CHECK(inbox.uidnext == 2);
  CHECK(inbox.highestmodseq == 2);
}

TEST_CASE("header_size counts through the first empty line, or the whole message without one") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = store->create_account("h", "h")->id;
  const std::vector<std::pair<std::string, uint64_t>> cases = {
      {"A: b\r\nC: d\r\n\r\nbody\r\n\r\nmore", 14},
      {"A: b\n\nbody", 6},
      {"\r\nbody only", 2},
      {"\nbody only", 1},
      {"A: b\r\nno blank line", 19},
      {"", 0},
      {"A: b\r\n\r\n", 8},
  };
  for (const auto& [body, expected] : cases) {
    auto copies = store->deliver(body, std::vector<AccountId>{id}, 0);
    REQUIRE(copies.ok());
    CHECK(meta_of(*store, copies->front()).header_size == expected);
  }
}

TEST_CASE("bodies read back byte for byte: empty, NUL and 8-bit, and many chunks") {
  TempDir dir;
  auto store = open_store(dir, /*chunk_size=*/1000);
  auto id = store->create_account("bytes", "h")->id;
  static const char kNul8[] = "A: \xff\xfe\r\n\r\n\0\0body\x80\x81";
  const std::string nul8(kNul8, sizeof(kNul8) - 1);
  const std::vector<std::string> bodies = {"", nul8, random_bytes(1000, 1), random_bytes(4321, 2), text_body(9999)};
  for (const std::string& body : bodies) {
    auto copies = store->deliver(body, std::vector<AccountId>{id}, 0);
    REQUIRE(copies.ok());
    MessageMeta m = meta_of(*store, copies->front());
    CHECK(m.size == body.size());
    auto whole = store->read_body(m.blob, 0, UINT64_MAX);
    REQUIRE(whole.ok());
    CHECK(*whole == body);
  }
}

TEST_CASE("range reads cross chunk boundaries and are clipped at the end") {
  TempDir dir;
  auto store = open_store(dir, /*chunk_size=*/256);
  auto id = store->create_account("ranges", "h")->id;
  const std::string body = random_bytes(300, 7) + text_body(1500);  // mixed raw and zstd chunks
  auto copies = store->deliver(body, std::vector<AccountId>{id}, 0);
  REQUIRE(copies.ok());
  const BlobId blob = meta_of(*store, copies->front()).blob;

  const std::vector<std::pair<uint64_t, uint64_t>> ranges = {
      {0, 1}, {0, 256}, {255, 2}, {256, 256}, {250, 600}, {511, 513}, {1, 1799}, {1790, 100}, {0, 0}};
  for (const auto& [offset, length] : ranges) {
    auto part = store->read_body(blob, offset, length);
    REQUIRE(part.ok());
    CHECK(*part == body.substr(offset, length));
  }
  CHECK(store->read_body(blob, body.size(), 10)->empty());
  CHECK(store->read_body(blob, body.size() + 100, 10)->empty());
  CHECK(*store->read_body(blob, body.size() - 3, UINT64_MAX) == body.substr(body.size() - 3));
  CHECK(store->read_body(blob + 1000, 0, 10).error().code == Errc::not_found);
}

TEST_CASE("delivering to an unknown account fails for that account only") {
  TempDir dir;
  auto store = open_store(dir);
  auto id = store->create_account("known", "h")->id;
  auto bad = store->deliver("x", std::vector<AccountId>{id + 999}, 0);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == Errc::not_found);
  CHECK(inbox_of(*store, id).messages == 0);
  CHECK(store->deliver("x", std::vector<AccountId>{}, 0).error().code == Errc::bad_input);

  // The convenience call reports the first failing target; the known
  // account's copy is stored (per-target outcomes: deliver_test.cc).
  auto mixed = store->deliver("x", std::vector<AccountId>{id, id + 999}, 0);
  CHECK(mixed.error().code == Errc::not_found);
  CHECK(inbox_of(*store, id).messages == 1);
  auto good = store->deliver("x", std::vector<AccountId>{id}, 0);
  REQUIRE(good.ok());
  CHECK(good->front().uid == 2);
}

TEST_CASE("delete_account releases references and the last one deletes the body") {
  TempDir dir;
  auto store = open_store(dir, /*chunk_size=*/100);
  auto a = store->create_account("a", "h")->id;
  auto b = store->create_account("b", "h")->id;
  const std::string body = text_body(1000);
  auto shared = store->deliver(body, std::vector<AccountId>{a, b, a}, 0);  // a gets two copies
  REQUIRE(shared.ok());
  auto own = store->deliver("only b", std::vector<AccountId>{b}, 0);
  REQUIRE(own.ok());
  const BlobId shared_blob = meta_of(*store, shared->front()).blob;
  const BlobId own_blob = meta_of(*store, own->front()).blob;
  CHECK(store->blob_info(shared_blob)->refs == 3);
  CHECK((*shared)[2].uid == 2);

  REQUIRE(store->delete_account("a").ok());
  CHECK(store->blob_info(shared_blob)->refs == 1);
  CHECK(*store->read_body(shared_blob, 0, UINT64_MAX) == body);

  REQUIRE(store->delete_account("b").ok());
  CHECK(store->blob_info(shared_blob).error().code == Errc::not_found);
  CHECK(store->blob_info(own_blob).error().code == Errc::not_found);
  CHECK(store->read_body(shared_blob, 0, 10).error().code == Errc::not_found);
}

TEST_CASE("everything survives a reopen and UIDNEXT continues") {
  TempDir dir;
  AccountId id = 0;
  BlobId blob = 0;
  const std::string body = text_body(3000);
  {
    auto store = open_store(dir, 1024, /*sync=*/true);
    id = store->create_account("persist", "hash")->id;
    for (int i = 0; i < 3; ++i) REQUIRE(store->deliver(body, std::vector<AccountId>{id}, i).ok());
    auto copy = store->deliver(body, std::vector<AccountId>{id}, 3);
    blob = meta_of(*store, copy->front()).blob;
    REQUIRE(store->update_flags(copy->front().mailbox, std::vector<uint32_t>{2}, FlagOp::add, kSeen).ok());
  }
  auto store = open_store(dir, 4096);  // a different chunk size must not matter for old bodies
  auto acct = store->find_account("persist");
  REQUIRE(acct.ok());
  CHECK(acct->id == id);
  CHECK(acct->password_hash == "hash");
  MailboxInfo inbox = inbox_of(*store, id);
  CHECK(inbox.messages == 4);
  CHECK(inbox.unseen == 3);
  CHECK(inbox.uidnext == 5);
  CHECK(inbox.highestmodseq == 6);
  CHECK(*store->read_body(blob, 0, UINT64_MAX) == body);

  auto next = store->deliver("new", std::vector<AccountId>{id}, 0);
  REQUIRE(next.ok());
  CHECK(next->front().uid == 5);
  CHECK(meta_of(*store, next->front()).blob > blob);
  auto other = store->create_account("second", "h");
  REQUIRE(other.ok());
  CHECK(other->id > id);
}

}  // namespace storage_body_test

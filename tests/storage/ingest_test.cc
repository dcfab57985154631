// Streaming ingest: bodies written chunk by chunk through a BodyWriter,
// pending bodies removed at start-up, blob ids never handed out twice.
#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "storage/rocks/blobs.h"
#include "storage/rocks/rocks_store.h"
#include "tests/storage/temp_store.h"

namespace storage_ingest_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::rocks::RocksStore;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

std::string text(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s = "Subject: s\r\n\r\n";
  while (s.size() < n) s += "line " + std::to_string(rng() % 100000) + " of mail text\r\n";
  s.resize(n);
  return s;
}

// Writes body to a new writer in pieces of random size up to max_piece.
std::unique_ptr<BodyWriter> write_in_pieces(Store& store, std::string_view body, size_t max_piece, uint32_t seed) {
  auto w = store.begin_body();
  REQUIRE(w.ok());
  std::mt19937 rng(seed);
  size_t pos = 0;
  while (pos < body.size()) {
    size_t n = std::min(body.size() - pos, 1 + rng() % max_piece);
    REQUIRE((*w)->write(body.substr(pos, n)).ok());
    pos += n;
  }
  CHECK((*w)->size() == body.size());
  return std::move(*w);
}

RocksStore& as_rocks(Store& s) { return dynamic_cast<RocksStore&>(s); }

}  // namespace

TEST_CASE("a body written in pieces reads back byte for byte, with its structure and header size") {
  TempDir dir;
  auto store = open_store(dir, 4096);
  const AccountId a = store->create_account("a", "h")->id;
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097}, size_t{50000}}) {
    CAPTURE(size);
    const std::string body = text(size, static_cast<uint32_t>(size));
    auto w = write_in_pieces(*store, body, 3000, 7);
    w->set_structure("(\"text\" \"plain\")" + std::to_string(size));
    DeliveryTarget t;
    t.account = a;
    auto copy = store->append(*w, t);
    REQUIRE(copy.ok());
    auto meta = store->messages(copy->mailbox, std::vector<uint32_t>{copy->uid});
    REQUIRE(meta->size() == 1);
    CHECK(meta->front().blob == w->blob());
    CHECK(meta->front().size == size);
    CHECK(meta->front().header_size == rocks::header_size(body));
    CHECK(*store->read_body(meta->front().blob, 0, size + 10) == body);
    CHECK(*store->read_structure(meta->front().blob) == "(\"text\" \"plain\")" + std::to_string(size));
  }
}

TEST_CASE("read_structures reads many bodies' structures in order, empty where none is stored") {
  TempDir dir;
  auto store = open_store(dir, 4096);
  const AccountId a = store->create_account("a", "h")->id;
  std::vector<BlobId> blobs;
  for (int i = 0; i < 5; ++i) {
    auto w = write_in_pieces(*store, text(100 + i, static_cast<uint32_t>(i)), 50, 3);
    if (i != 2) w->set_structure("structure " + std::to_string(i));  // body 2 has none
    DeliveryTarget t;
    t.account = a;
    REQUIRE(store->append(*w, t).ok());
    blobs.push_back(w->blob());
  }
  std::vector<BlobId> asked{blobs[4], blobs[2], blobs[0], blobs[0], 999999};  // any order, repeats, unknown
  auto got = store->read_structures(asked);
  REQUIRE(got.ok());
  CHECK(*got == std::vector<std::string>{"structure 4", "", "structure 0", "structure 0", ""});
  for (BlobId b : blobs) CHECK((*store->read_structures(std::vector<BlobId>{b}))[0] == *store->read_structure(b));
  CHECK(store->read_structures({})->empty());
}

TEST_CASE("the streaming header scanner agrees with header_size however the body is split") {
  const std::vector<std::string> bodies = {"", "\r\n", "\n", "a: b\r\n\r\nbody", "a: b\n\nx", "a\r\rb\r\n\r\n",
                                           "no blank line\r\nat all", "a\r\n\rx\r\n\r\n", "\r\rx\n\n"};
  std::mt19937 rng(1);
  for (const auto& b : bodies) {
    for (int trial = 0; trial < 20; ++trial) {
      rocks::HeaderScanner scanner;
      size_t pos = 0;
      while (pos < b.size()) {
        size_t n = std::min(b.size() - pos, size_t{1} + rng() % 3);
        scanner.feed(std::string_view(b).substr(pos, n));
        pos += n;
      }
      CAPTURE(b);
      CHECK(scanner.header_size(b.size()) == rocks::header_size(b));
    }
  }
}

TEST_CASE("chunks are written as they fill, not held until the end") {
  TempDir dir;
  auto store = open_store(dir, 4096);
  auto w = store->begin_body();
  REQUIRE(w.ok());
  REQUIRE((*w)->write(std::string(4096 * 3 + 100, 'x')).ok());
  // Three full chunks are in the database already; the partial fourth is not.
  CHECK(*as_rocks(*store).chunk_rows_for_testing((*w)->blob()) == 3);
}

TEST_CASE("an aborted writer removes its chunks; a crash leaves them for start-up to remove") {
  TempDir dir;
  BlobId aborted = 0, crashed = 0;
  {
    auto store = open_store(dir, 4096);
    {
      auto w = store->begin_body();
      REQUIRE((*w)->write(std::string(20000, 'a')).ok());
      aborted = (*w)->blob();
      CHECK(*as_rocks(*store).chunk_rows_for_testing(aborted) == 4);
    }  // destroyed unlinked: an aborted transfer
    CHECK(*as_rocks(*store).chunk_rows_for_testing(aborted) == 0);

    auto w = store->begin_body();
    REQUIRE((*w)->write(std::string(20000, 'c')).ok());
    crashed = (*w)->blob();
    RocksStore::abandon_body_for_testing(**w);  // as if the process died here
  }
  auto store = open_store(dir, 4096);
  CHECK(as_rocks(*store).pending_removed_at_open() == 1);
  CHECK(*as_rocks(*store).chunk_rows_for_testing(crashed) == 0);
  CHECK(store->blob_info(crashed).error().code == Errc::not_found);
}

TEST_CASE("a delivery whose every target fails stores nothing and removes the body") {
  TempDir dir;
  auto store = open_store(dir, 4096);
  auto w = store->begin_body();
  REQUIRE((*w)->write(std::string(10000, 'z')).ok());
  DeliveryTarget t;
  t.account = 999;
  auto outcomes = store->deliver(**w, std::span<const DeliveryTarget>(&t, 1));
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->size() == 1);
  CHECK(outcomes->front().error().code == Errc::not_found);
  CHECK(*as_rocks(*store).chunk_rows_for_testing((*w)->blob()) == 0);
  CHECK(store->blob_info((*w)->blob()).error().code == Errc::not_found);
  // The writer is spent.
  CHECK_FALSE(store->deliver(**w, std::span<const DeliveryTarget>(&t, 1)).ok());
}

TEST_CASE("blob ids are never handed out twice, even after a crash and reopen") {
  TempDir dir;
  std::set<BlobId> seen;
  for (int run = 0; run < 3; ++run) {
    auto store = open_store(dir, 4096);
    if (run == 0) REQUIRE(store->create_account("a", "h").ok());
    const AccountId a = store->find_account("a")->id;
    for (int i = 0; i < 3; ++i) {
      auto w = store->begin_body();
      REQUIRE(w.ok());
      CHECK(seen.insert((*w)->blob()).second);
      REQUIRE((*w)->write("body").ok());
      if (i == 1) {
        RocksStore::abandon_body_for_testing(**w);  // handed out, never linked: a crash
        continue;
      }
      DeliveryTarget t;
      t.account = a;
      REQUIRE(store->append(**w, t).ok());
    }
  }
  CHECK(seen.size() == 9);
}

}  // namespace storage_ingest_test

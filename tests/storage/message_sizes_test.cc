// Store::message_sizes: the POP3 maildrop listing in one scan, true to
// messages() after deliveries and an expunge.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_message_sizes_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

TEST_CASE("message_sizes lists every message's uid and size in uid order, as messages() does") {
  TempDir dir;
  auto store = open_store(dir);
  auto alice = store->create_account("alice", "h");
  REQUIRE(alice.ok());
  auto inbox = store->find_mailbox(alice->id, "INBOX");
  REQUIRE(inbox.ok());
  auto empty = store->message_sizes(inbox->id);
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  const AccountId ids[] = {alice->id};
  for (int i = 0; i < 20; ++i)
    REQUIRE(store->deliver(std::string(100 + i * 37, 'x'), ids, 1700000000).ok());
  const uint32_t gone[] = {3, 10};
  REQUIRE(store->expunge(inbox->id, gone).ok());
  auto sizes = store->message_sizes(inbox->id);
  REQUIRE(sizes.ok());
  REQUIRE(sizes->size() == 18);
  std::vector<uint32_t> uids;
  for (const auto& m : *sizes) uids.push_back(m.uid);
  auto metas = store->messages(inbox->id, uids);
  REQUIRE(metas.ok());
  REQUIRE(metas->size() == sizes->size());
  for (size_t i = 0; i < sizes->size(); ++i) {
    CHECK((*sizes)[i].uid == (*metas)[i].uid);
    CHECK((*sizes)[i].size == (*metas)[i].size);
    CHECK((*sizes)[i].size == 100 + ((*sizes)[i].uid - 1) * 37);
    if (i) CHECK((*sizes)[i - 1].uid < (*sizes)[i].uid);
  }
  CHECK(store->message_sizes(999999).error().code == Errc::not_found);
}

}  // namespace storage_message_sizes_test

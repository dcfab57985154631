// Random operations against the store and against a plain std::map model;
// after a reopen the two must agree on everything the store can report.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_model_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

struct ModelMessage {
  uint32_t flags = 0;
  uint64_t modseq = 0;
  BlobId blob = 0;
};

struct ModelAccount {
  AccountId id = 0;
  MailboxId inbox = 0;
  uint32_t uidnext = 1;
  uint64_t highestmodseq = 1;
  std::map<uint32_t, ModelMessage> messages;
};

struct ModelBlob {
  uint32_t refs = 0;
  std::string body;
};

struct Model {
  std::map<std::string, ModelAccount> accounts;
  std::map<BlobId, ModelBlob> blobs;  // refs 0: deleted
};

void compare(Store& store, const Model& model) {
  auto list = store.list_accounts();
  REQUIRE(list.ok());
  REQUIRE(list->size() == model.accounts.size());
  size_t i = 0;
  for (const auto& [name, acct] : model.accounts) {
    const Account& stored = (*list)[i++];
    CHECK(stored.name == name);
    CHECK(stored.id == acct.id);
    auto inbox = store.find_mailbox(acct.id, "INBOX");
    REQUIRE(inbox.ok());
    CHECK(inbox->id == acct.inbox);
    CHECK(inbox->uidnext == acct.uidnext);
    CHECK(inbox->highestmodseq == acct.highestmodseq);
    CHECK(inbox->messages == acct.messages.size());
    uint32_t unseen = 0;
    for (const auto& [uid, m] : acct.messages) unseen += (m.flags & kSeen) ? 0 : 1;
    CHECK(inbox->unseen == unseen);

    auto index = store.message_index(acct.inbox);
    REQUIRE(index.ok());
    REQUIRE(index->size() == acct.messages.size());
    size_t j = 0;
    for (const auto& [uid, m] : acct.messages) {
      const MessageSummary& s = (*index)[j++];
      CHECK(s.uid == uid);
      CHECK(s.flags == m.flags);
      CHECK(s.modseq == m.modseq);
    }
  }
  for (const auto& [blob, b] : model.blobs) {
    auto info = store.blob_info(blob);
    if (b.refs == 0) {
      CHECK(info.error().code == Errc::not_found);
      continue;
    }
    REQUIRE(info.ok());
    CHECK(info->refs == b.refs);
    CHECK(*store.read_body(blob, 0, UINT64_MAX) == b.body);
  }
}

}  // namespace

TEST_CASE("random operations leave the store equal to a simple model, also after a reopen") {
  TempDir dir;
  Model model;
  std::mt19937 rng(20240601);
  auto pick = [&](uint32_t n) { return static_cast<uint32_t>(rng() % n); };
  const std::vector<std::string> names = {"ann", "ben", "cat", "dan", "eve", "fay"};

  auto store = open_store(dir, /*chunk_size=*/512);
  for (int step = 0; step < 600; ++step) {
    const uint32_t what = pick(100);
    if (what < 10 || model.accounts.empty()) {
      const std::string& name = names[pick(static_cast<uint32_t>(names.size()))];
      auto r = store->create_account(name, "h");
      if (model.accounts.count(name)) {
        CHECK(r.error().code == Errc::exists);
        continue;
      }
      REQUIRE(r.ok());
      model.accounts[name] = ModelAccount{r->id, store->find_mailbox(r->id, "inbox")->id, 1, 1, {}};
    } else if (what < 55) {
      std::vector<std::string> to;
      for (uint32_t n = 1 + pick(3); n > 0; --n) {
        auto it = model.accounts.begin();
        std::advance(it, pick(static_cast<uint32_t>(model.accounts.size())));
        to.push_back(it->first);
      }
      std::vector<AccountId> ids;
      for (const auto& n : to) ids.push_back(model.accounts[n].id);
      std::string body(pick(2000), '\0');
      for (char& c : body) c = static_cast<char>(pick(4) == 0 ? pick(256) : 'a' + pick(3));
      auto r = store->deliver(body, ids, step);
      REQUIRE(r.ok());
      REQUIRE(r->size() == ids.size());
      const BlobId blob = store->messages((*r)[0].mailbox, std::vector<uint32_t>{(*r)[0].uid})->front().blob;
      model.blobs[blob] = ModelBlob{static_cast<uint32_t>(ids.size()), body};
      for (size_t k = 0; k < to.size(); ++k) {
        ModelAccount& acct = model.accounts[to[k]];
        CHECK((*r)[k].uid == acct.uidnext);
        acct.messages[acct.uidnext++] = ModelMessage{0, ++acct.highestmodseq, blob};
      }
    } else if (what < 90) {
      auto it = model.accounts.begin();
      std::advance(it, pick(static_cast<uint32_t>(model.accounts.size())));
      ModelAccount& acct = it->second;
      std::vector<uint32_t> uids;
      for (uint32_t n = pick(5); n > 0; --n) uids.push_back(1 + pick(acct.uidnext + 1));
      const auto op = static_cast<FlagOp>(pick(3));
      const uint32_t flags = pick(32);
      auto r = store->update_flags(acct.inbox, uids, op, flags);
      REQUIRE(r.ok());
      const uint64_t modseq = acct.highestmodseq + 1;
      bool changed = false;
      for (uint32_t uid : uids) {
        auto m = acct.messages.find(uid);
        if (m == acct.messages.end()) continue;
        uint32_t next = op == FlagOp::add ? (m->second.flags | flags)
                        : op == FlagOp::remove ? (m->second.flags & ~flags) : flags;
        if (next != m->second.flags) {
          m->second.flags = next;
          m->second.modseq = modseq;
          changed = true;
        }
      }
      if (changed) acct.highestmodseq = modseq;
    } else {
      const std::string& name = names[pick(static_cast<uint32_t>(names.size()))];
      auto r = store->delete_account(name);
      auto it = model.accounts.find(name);
      if (it == model.accounts.end()) {
        CHECK(r.error().code == Errc::not_found);
        continue;
      }
      REQUIRE(r.ok());
      for (const auto& [uid, m] : it->second.messages) --model.blobs[m.blob].refs;
      model.accounts.erase(it);
    }
    if (step == 300) compare(*store, model);
  }
  compare(*store, model);
  store.reset();
  store = open_store(dir, /*chunk_size=*/300);
  compare(*store, model);
}

}  // namespace storage_model_test

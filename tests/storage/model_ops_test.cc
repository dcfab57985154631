// Every mutation at once: several threads, each with its own account, run
// random deliveries, appends, copies, moves, flag and keyword changes,
// expunges, mailbox creation, deletion and renaming and quota changes, so
// that the committer folds requests of different threads into one group.
// Each thread keeps a plain model of its account; the store must agree with
// every model during the run and after a reopen.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_model_ops_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

struct MMessage {
  uint32_t flags = 0;
  std::vector<std::string> keywords;
  uint64_t modseq = 0;
  BlobId blob = 0;
  uint64_t size = 0;
};

struct MBox {
  MailboxId id = 0;
  uint32_t uidnext = 1;
  uint64_t hms = 1;
  std::map<uint32_t, MMessage> messages;
};

struct MAccount {
  AccountId id = 0;
  std::map<std::string, MBox> boxes;
  std::map<BlobId, std::pair<uint32_t, std::string>> blobs;  // refs, body
  uint64_t message_limit = 0;
  uint64_t messages() const {
    uint64_t n = 0;
    for (const auto& [name, b] : boxes) n += b.messages.size();
    return n;
  }
};

void compare(Store& store, const MAccount& model) {
  auto list = store.list_mailboxes(model.id);
  REQUIRE(list.ok());
  REQUIRE(list->size() == model.boxes.size());
  uint64_t bytes = 0;
  for (const MailboxInfo& info : *list) {
    auto it = model.boxes.find(info.name);
    REQUIRE_MESSAGE(it != model.boxes.end(), info.name);
    const MBox& box = it->second;
    CHECK(info.id == box.id);
    CHECK(info.uidnext == box.uidnext);
    CHECK(info.highestmodseq == box.hms);
    CHECK(info.messages == box.messages.size());
    uint32_t unseen = 0;
    std::vector<uint32_t> uids;
    for (const auto& [uid, m] : box.messages) {
      unseen += (m.flags & kSeen) ? 0 : 1;
      uids.push_back(uid);
      bytes += m.size;
    }
    CHECK(info.unseen == unseen);
    auto metas = store.messages(box.id, uids);
    REQUIRE(metas->size() == uids.size());
    for (const MessageMeta& meta : *metas) {
      const MMessage& m = box.messages.at(meta.uid);
      CHECK(meta.flags == m.flags);
      CHECK(meta.keywords == m.keywords);
      CHECK(meta.modseq == m.modseq);
      CHECK(meta.blob == m.blob);
    }
    CHECK(store.changed_since(box.id, 0)->size() == box.messages.size());
  }
  for (const auto& [blob, rb] : model.blobs) {
    auto info = store.blob_info(blob);
    if (rb.first == 0) {
      CHECK(info.error().code == Errc::not_found);
      continue;
    }
    REQUIRE(info.ok());
    CHECK(info->refs == rb.first);
    CHECK(*store.read_body(blob, 0, UINT64_MAX) == rb.second);
  }
  auto q = store.quota(model.id);
  REQUIRE(q.ok());
  CHECK(q->messages == model.messages());
  CHECK(q->bytes == bytes);
}

// One thread's run of random operations against its own account.
void run(Store& store, MAccount& model, uint32_t seed, int steps) {
  std::mt19937 rng(seed);
  auto pick = [&](size_t n) { return static_cast<uint32_t>(rng() % n); };
  auto any_box = [&]() -> std::pair<const std::string, MBox>& {
    auto it = model.boxes.begin();
    std::advance(it, pick(model.boxes.size()));
    return *it;
  };
  auto some_uids = [&](const MBox& b) {
    std::vector<uint32_t> uids;
    for (uint32_t n = pick(4); n > 0; --n) uids.push_back(1 + pick(b.uidnext + 1));
    return uids;
  };
  const std::vector<std::string> words = {"Work", "$Junk", "todo"};
  for (int step = 0; step < steps; ++step) {
    const uint32_t what = pick(100);
    auto& [name, box] = any_box();
    if (what < 30) {  // deliver to 1-3 targets, one maybe missing, or over quota
      std::string body(1 + pick(1500), 'a' + static_cast<char>(pick(3)));
      auto w = store.begin_body();
      REQUIRE((*w)->write(body).ok());
      std::vector<DeliveryTarget> targets;
      for (uint32_t n = 1 + pick(3); n > 0; --n) {
        DeliveryTarget t;
        t.account = model.id;
        t.mailbox = pick(8) == 0 ? "Missing" : any_box().first;
        t.flags = pick(32);
        if (pick(2)) t.keywords = {words[pick(words.size())]};
        targets.push_back(t);
      }
      const BlobId blob = (*w)->blob();
      auto out = store.deliver(**w, targets);
      REQUIRE(out.ok());
      uint32_t refs = 0;
      for (size_t i = 0; i < targets.size(); ++i) {
        auto it = model.boxes.find(targets[i].mailbox);
        if (it == model.boxes.end()) { CHECK((*out)[i].error().code == Errc::not_found); continue; }
        if (model.message_limit && model.messages() >= model.message_limit) {
          CHECK((*out)[i].error().code == Errc::no_quota);
          continue;
        }
        REQUIRE((*out)[i].ok());
        MBox& b = it->second;
        CHECK((*out)[i]->uid == b.uidnext);
        b.messages[b.uidnext++] = MMessage{targets[i].flags, targets[i].keywords, ++b.hms, blob, body.size()};
        ++refs;
      }
      model.blobs[blob] = {refs, body};
    } else if (what < 45) {  // flags and keywords
      FlagChange c{static_cast<FlagOp>(pick(3)), pick(32), {}, std::nullopt};
      if (pick(2)) c.keywords = {words[pick(words.size())]};
      auto uids = some_uids(box);
      REQUIRE(store.store_flags(box.id, uids, c).ok());
      bool changed = false;
      for (uint32_t uid : uids) {
        auto m = box.messages.find(uid);
        if (m == box.messages.end()) continue;
        uint32_t f = c.op == FlagOp::add ? m->second.flags | c.flags : c.op == FlagOp::remove ? m->second.flags & ~c.flags : c.flags;
        std::vector<std::string> k = c.op == FlagOp::replace ? std::vector<std::string>{} : m->second.keywords;
        for (const auto& w : c.keywords) {
          auto at = std::find(k.begin(), k.end(), w);
          if (c.op == FlagOp::remove && at != k.end()) k.erase(at);
          if (c.op != FlagOp::remove && at == k.end()) k.push_back(w);
        }
        if (f != m->second.flags || k != m->second.keywords) {
          m->second = MMessage{f, k, box.hms + 1, m->second.blob, m->second.size};
          changed = true;
        }
      }
      if (changed) ++box.hms;
    } else if (what < 65) {  // copy or move
      auto& [dest_name, dest] = any_box();
      const bool move = pick(2) && dest.id != box.id;
      auto uids = some_uids(box);
      auto r = move ? store.move(box.id, uids, dest.id) : store.copy(box.id, uids, dest.id);
      std::vector<uint32_t> found;
      for (uint32_t u : uids)
        if (box.messages.count(u) && std::find(found.begin(), found.end(), u) == found.end()) found.push_back(u);
      if (!move && model.message_limit && model.messages() + found.size() > model.message_limit) {
        CHECK(r.error().code == Errc::no_quota);
        continue;
      }
      REQUIRE(r.ok());
      REQUIRE(r->uids.size() == found.size());
      for (uint32_t u : found) {
        MMessage m = box.messages.at(u);
        m.modseq = ++dest.hms;
        if (!move) ++model.blobs[m.blob].first;
        dest.messages[dest.uidnext++] = m;
      }
      if (move && !found.empty()) {
        for (uint32_t u : found) box.messages.erase(u);
        ++box.hms;
      }
    } else if (what < 78) {  // expunge
      auto uids = some_uids(box);
      REQUIRE(store.expunge(box.id, uids).ok());
      bool any = false;
      for (uint32_t u : uids) {
        auto m = box.messages.find(u);
        if (m == box.messages.end()) continue;
        --model.blobs[m->second.blob].first;
        box.messages.erase(m);
        any = true;
      }
      if (any) ++box.hms;
    } else if (what < 86) {  // create
      const std::string n = "F" + std::to_string(pick(6));
      auto r = store.create_mailbox(model.id, n);
      if (model.boxes.count(n)) { CHECK(r.error().code == Errc::exists); continue; }
      REQUIRE(r.ok());
      model.boxes[n] = MBox{r->id, 1, 1, {}};
    } else if (what < 92) {  // delete
      auto r = store.delete_mailbox(model.id, name);
      if (name == "INBOX") { CHECK(r.error().code == Errc::perm); continue; }
      REQUIRE(r.ok());
      for (const auto& [u, m] : box.messages) --model.blobs[m.blob].first;
      model.boxes.erase(name);
    } else if (what < 97) {  // rename (no children in this test)
      const std::string to = "R" + std::to_string(pick(6));
      auto r = store.rename_mailbox(model.id, name, to);
      if (model.boxes.count(to)) { CHECK(r.error().code == Errc::exists); continue; }
      REQUIRE(r.ok());
      if (name == "INBOX") {
        MBox moved{store.find_mailbox(model.id, to)->id, 1, 1, {}};
        for (auto& [u, m] : box.messages) {
          m.modseq = ++moved.hms;
          moved.messages[moved.uidnext++] = m;
        }
        if (!box.messages.empty()) ++box.hms;
        box.messages.clear();
        model.boxes[to] = std::move(moved);
      } else {
        model.boxes[to] = std::move(box);
        model.boxes.erase(name);
      }
    } else {  // quota limit
      model.message_limit = pick(3) ? 0 : model.messages() + pick(4);
      REQUIRE(store.set_quota(model.id, 0, model.message_limit).ok());
    }
  }
}

}  // namespace

TEST_CASE("concurrent random mutations of every kind agree with per-account models, also after a reopen") {
  TempDir dir;
  constexpr int kThreads = 4, kSteps = 250;
  std::vector<MAccount> models(kThreads);
  auto store = open_store(dir, /*chunk_size=*/512);
  for (int t = 0; t < kThreads; ++t) {
    auto a = store->create_account("user" + std::to_string(t), "h");
    REQUIRE(a.ok());
    models[t].id = a->id;
    auto list = store->list_mailboxes(a->id);
    REQUIRE(list.ok());
    for (const auto& info : *list) models[t].boxes[info.name] = MBox{info.id, 1, 1, {}};
  }
  const StoreStats before = store->stats();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] { run(*store, models[t], 1000 + static_cast<uint32_t>(t), kSteps); });
  for (auto& th : threads) th.join();
  const StoreStats after = store->stats();
  // Requests of different threads were folded into shared commits.
  MESSAGE("requests: ", after.committed_requests - before.committed_requests, ", commits: ",
          after.commits - before.commits);
  for (const MAccount& m : models) compare(*store, m);
  store.reset();
  store = open_store(dir, /*chunk_size=*/300);
  for (const MAccount& m : models) compare(*store, m);
}

}  // namespace storage_model_ops_test

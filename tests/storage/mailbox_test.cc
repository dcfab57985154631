// Mailboxes: the defaults of a new account, create, delete with messages,
// rename with the hierarchy and the INBOX special case, subscriptions,
// special-use attributes and the per-mailbox keyword list.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/storage/temp_store.h"

namespace storage_mailbox_test {

using namespace loft;
using namespace loft::storage;
using loft::storage::testing::inbox_of;
using loft::storage::testing::open_store;
using loft::storage::testing::TempDir;

namespace {

std::vector<std::string> names(Store& store, AccountId a) {
  std::vector<std::string> out;
  auto list = store.list_mailboxes(a);
  REQUIRE(list.ok());
  for (const auto& m : *list) out.push_back(m.name);
  std::sort(out.begin(), out.end());
  return out;
}

uint32_t use_of(Store& store, AccountId a, const char* name) { return store.find_mailbox(a, name)->special_use; }

}  // namespace

TEST_CASE("a new account has INBOX and the special-use mailboxes, all subscribed") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  const std::vector<std::string> expect = {"Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"};
  CHECK(names(*store, a) == expect);
  CHECK(*store->subscriptions(a) == expect);
  CHECK(use_of(*store, a, "Drafts") == kUseDrafts);
  CHECK(use_of(*store, a, "Sent") == kUseSent);
  CHECK(use_of(*store, a, "Trash") == kUseTrash);
  CHECK(use_of(*store, a, "Junk") == kUseJunk);
  CHECK(use_of(*store, a, "Archive") == kUseArchive);
  CHECK(use_of(*store, a, "INBOX") == 0);
  // UIDVALIDITY differs between mailboxes.
  CHECK(store->find_mailbox(a, "Sent")->uidvalidity != inbox_of(*store, a).uidvalidity);
}

TEST_CASE("create refuses taken and malformed names; special use can be set later") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto work = store->create_mailbox(a, "Work", kUseFlagged);
  REQUIRE(work.ok());
  CHECK(work->special_use == kUseFlagged);
  CHECK(store->create_mailbox(a, "Work").error().code == Errc::exists);
  CHECK(store->create_mailbox(a, "inbox").error().code == Errc::exists);
  for (const char* bad : {"", "/x", "x/", "a//b"}) CHECK(store->create_mailbox(a, bad).error().code == Errc::bad_input);
  CHECK(store->create_mailbox(999, "X").error().code == Errc::not_found);
  REQUIRE(store->set_special_use(work->id, kUseAll).ok());
  CHECK(use_of(*store, a, "Work") == kUseAll);
}

TEST_CASE("delete removes the mailbox and its messages, releasing their bodies") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto box = store->create_mailbox(a, "Old");
  REQUIRE(store->create_mailbox(a, "Old/Child").ok());
  auto copies = store->deliver("shared body", std::vector<AccountId>{a}, 0);
  const MailboxId inbox = inbox_of(*store, a).id;
  REQUIRE(store->copy(inbox, std::vector<uint32_t>{1}, box->id).ok());
  REQUIRE(store->deliver("own body", std::vector<AccountId>{a}, 0).ok());
  REQUIRE(store->move(inbox, std::vector<uint32_t>{2}, box->id).ok());
  auto metas = store->messages(box->id, std::vector<uint32_t>{1, 2});
  REQUIRE(metas->size() == 2);
  const BlobId shared = (*metas)[0].blob, own = (*metas)[1].blob;
  CHECK(store->blob_info(shared)->refs == 2);

  CHECK(store->delete_mailbox(a, "INBOX").error().code == Errc::perm);
  CHECK(store->delete_mailbox(a, "Nope").error().code == Errc::not_found);
  REQUIRE(store->delete_mailbox(a, "Old").ok());
  CHECK(store->find_mailbox(a, "Old").error().code == Errc::not_found);
  CHECK(store->find_mailbox(a, "Old/Child").ok());  // inferiors stay (RFC 3501 §6.3.4)
  CHECK(store->blob_info(shared)->refs == 1);
  CHECK(store->blob_info(own).error().code == Errc::not_found);
  CHECK(store->message_index(box->id).error().code == Errc::not_found);
  CHECK(store->quota(a)->messages == 1);
  // A new mailbox of the same name starts afresh with a new UIDVALIDITY.
  auto again = store->create_mailbox(a, "Old");
  REQUIRE(again.ok());
  CHECK(again->uidvalidity != box->uidvalidity);
  CHECK(again->messages == 0);
}

TEST_CASE("rename moves the whole hierarchy and keeps ids, UIDVALIDITY and messages") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  auto top = store->create_mailbox(a, "Projects");
  REQUIRE(store->create_mailbox(a, "Projects/Loft").ok());
  REQUIRE(store->create_mailbox(a, "Projects/Loft/Old").ok());
  REQUIRE(store->create_mailbox(a, "ProjectsX").ok());  // a prefix, not a child
  REQUIRE(store->create_mailbox(a, "Taken").ok());
  REQUIRE(store->deliver("m", std::vector<AccountId>{a}, 0).ok());
  REQUIRE(store->move(inbox_of(*store, a).id, std::vector<uint32_t>{1}, top->id).ok());

  CHECK(store->rename_mailbox(a, "Projects", "Taken").error().code == Errc::exists);
  CHECK(store->rename_mailbox(a, "Nope", "X").error().code == Errc::not_found);
  CHECK(store->rename_mailbox(a, "Projects", "Projects/Sub").error().code == Errc::bad_input);
  REQUIRE(store->rename_mailbox(a, "Projects", "Work").ok());
  auto work = store->find_mailbox(a, "Work");
  REQUIRE(work.ok());
  CHECK(work->id == top->id);
  CHECK(work->uidvalidity == top->uidvalidity);
  CHECK(work->name == "Work");
  CHECK(work->messages == 1);
  CHECK(store->find_mailbox(a, "Work/Loft").ok());
  CHECK(store->find_mailbox(a, "Work/Loft/Old").ok());
  CHECK(store->find_mailbox(a, "ProjectsX").ok());
  CHECK(store->find_mailbox(a, "Projects").error().code == Errc::not_found);
  CHECK(store->find_mailbox(a, "Projects/Loft").error().code == Errc::not_found);
}

TEST_CASE("renaming INBOX moves its messages to a new mailbox and leaves INBOX empty") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  REQUIRE(store->create_mailbox(a, "INBOX/Sub").ok());
  for (int i = 0; i < 3; ++i) REQUIRE(store->deliver("m" + std::to_string(i), std::vector<AccountId>{a}, i).ok());
  REQUIRE(store->update_flags(inbox_of(*store, a).id, std::vector<uint32_t>{2}, FlagOp::add, kSeen).ok());
  const MailboxInfo before = inbox_of(*store, a);
  REQUIRE(store->rename_mailbox(a, "inbox", "Saved").ok());
  const MailboxInfo inbox = inbox_of(*store, a);
  CHECK(inbox.id == before.id);
  CHECK(inbox.uidvalidity == before.uidvalidity);
  CHECK(inbox.messages == 0);
  CHECK(inbox.unseen == 0);
  CHECK(inbox.uidnext == before.uidnext);  // UIDs of INBOX are never reused
  auto saved = store->find_mailbox(a, "Saved");
  REQUIRE(saved.ok());
  CHECK(saved->messages == 3);
  CHECK(saved->unseen == 2);
  auto index = store->message_index(saved->id);
  REQUIRE(index->size() == 3);
  CHECK((*index)[1].flags == kSeen);
  CHECK(store->find_mailbox(a, "INBOX/Sub").ok());  // INBOX's inferiors stay
  CHECK(store->quota(a)->messages == 3);
}

TEST_CASE("subscriptions are kept apart from existence") {
  TempDir dir;
  auto store = open_store(dir);
  const AccountId a = store->create_account("a", "h")->id;
  REQUIRE(store->subscribe(a, "Not/There").ok());
  REQUIRE(store->unsubscribe(a, "Junk").ok());
  REQUIRE(store->unsubscribe(a, "Never").ok());  // not subscribed: not an error
  auto subs = *store->subscriptions(a);
  CHECK(std::find(subs.begin(), subs.end(), "Not/There") != subs.end());
  CHECK(std::find(subs.begin(), subs.end(), "Junk") == subs.end());
  REQUIRE(store->delete_mailbox(a, "Trash").ok());
  subs = *store->subscriptions(a);
  CHECK(std::find(subs.begin(), subs.end(), "Trash") != subs.end());  // survives the mailbox
  CHECK(store->subscribe(999, "X").error().code == Errc::not_found);
  // Deleting the account drops them.
  REQUIRE(store->delete_account("a").ok());
  CHECK(store->subscriptions(a)->empty());
}

}  // namespace storage_mailbox_test

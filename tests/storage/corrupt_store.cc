// loft_corrupt_store: damages a stopped store on purpose, for the loftctl
// check end-to-end test (tests/e2e/test_check.py). Never for real stores.
//   loft_corrupt_store PATH bad-counts ACCOUNT    INBOX counts 5 messages too many
//   loft_corrupt_store PATH orphan-chunk ACCOUNT  a chunk row of a blob that does not exist
//   loft_corrupt_store PATH lose-body ACCOUNT     the blob record of the INBOX's first message goes
#include <iostream>
#include <string>
#include <vector>

#include "storage/rocks/check.h"
#include "storage/store.h"

namespace r = loft::storage::rocks;
using loft::storage::MailboxInfo;

namespace {

int fail(const std::string& what) {
  std::cerr << "loft_corrupt_store: " << what << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: loft_corrupt_store PATH bad-counts|orphan-chunk|lose-body ACCOUNT");
  const std::string path = argv[1], action = argv[2], account = argv[3];
  std::vector<r::RawEdit> edits;
  {
    auto store = loft::storage::Store::open({.path = path});
    if (!store) return fail(store.error().message);
    auto a = (*store)->find_account(account);
    if (!a) return fail(a.error().message);
    auto inbox = (*store)->find_mailbox(a->id, "INBOX");
    if (!inbox) return fail(inbox.error().message);
    if (action == "bad-counts") {
      MailboxInfo m = *inbox;
      m.messages += 5;
      edits.push_back({r::kMailboxesCf, r::id_key(m.id), r::encode_mailbox(m)});
    } else if (action == "orphan-chunk") {
      edits.push_back({r::kChunksCf, r::chunk_key(uint64_t{1} << 40, 0), std::string("\0orphan", 7)});
    } else if (action == "lose-body") {
      auto index = (*store)->message_index(inbox->id);
      if (!index || index->empty()) return fail("no message in the INBOX");
      auto meta = (*store)->messages(inbox->id, std::vector<uint32_t>{index->front().uid});
      if (!meta || meta->empty()) return fail("cannot read the first message");
      edits.push_back({r::kBlobsCf, r::id_key(meta->front().blob), std::nullopt});
    } else {
      return fail("unknown action " + action);
    }
  }  // the store is closed here: edit_raw_for_testing opens it itself
  auto done = r::edit_raw_for_testing(path, edits);
  if (!done) return fail(done.error().message);
  return 0;
}

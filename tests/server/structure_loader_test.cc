// FETCH's structure source: the stored structure, or the body parsed again
// when none was stored (older stores) or the stored bytes are unreadable.
#include <doctest/doctest.h>

#include "../storage/temp_store.h"
#include "protocol/mime/codec.h"
#include "protocol/mime/parser.h"
#include "server/imap/structure_loader.h"

namespace server_structure_loader_test {

using namespace loft;
using storage::testing::TempDir;

namespace {

const std::string kMessage =
    "Subject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n"
    "Content-Type: text/html\r\n\r\n<p>two</p>\r\n--b--\r\n";

// Stores kMessage (in 16-byte chunks) with the given structure bytes (none if empty).
storage::MessageMeta store_message(storage::Store& store, const std::string& structure) {
  auto account = store.create_account("u" + std::to_string(structure.size()), "h");
  REQUIRE(account.ok());
  auto w = store.begin_body();
  REQUIRE(w.ok());
  REQUIRE((*w)->write(kMessage).ok());
  if (!structure.empty()) (*w)->set_structure(structure);
  storage::DeliveryTarget t;
  t.account = account->id;
  auto outcomes = store.deliver(**w, std::span<const storage::DeliveryTarget>(&t, 1));
  REQUIRE(outcomes.ok());
  REQUIRE(outcomes->at(0).ok());
  auto inbox = storage::testing::inbox_of(store, account->id);
  auto metas = store.messages(inbox.id, std::vector<uint32_t>{outcomes->at(0)->uid});
  REQUIRE(metas.ok());
  REQUIRE(metas->size() == 1);
  return metas->at(0);
}

}  // namespace

TEST_CASE("a body stored without a structure is parsed on demand, streamed from the store") {
  TempDir dir;
  auto store = storage::testing::open_store(dir, 16);
  auto meta = store_message(*store, "");
  auto s = server::imap::load_structure(*store, meta);
  REQUIRE(s.ok());
  CHECK(*s == proto::mime::parse(kMessage));
  CHECK(s->parts.size() == 3);
}

TEST_CASE("a stored structure is used as it is, an unreadable one is replaced by a parse") {
  TempDir dir;
  auto store = storage::testing::open_store(dir, 16);
  auto other = proto::mime::parse("Subject: other\r\n\r\nx");  // differs from kMessage's
  std::string enc;
  proto::mime::encode_structure(other, &enc);
  auto stored = server::imap::load_structure(*store, store_message(*store, enc));
  REQUIRE(stored.ok());
  CHECK(*stored == other);
  auto garbage = server::imap::load_structure(*store, store_message(*store, "\x01garbage"));
  REQUIRE(garbage.ok());
  CHECK(*garbage == proto::mime::parse(kMessage));
}

}  // namespace server_structure_loader_test

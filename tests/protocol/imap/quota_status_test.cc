// RFC 9208 QUOTA commands and responses, the STATUS items of RFC 8438 (SIZE),
// RFC 9208 §4.3 (DELETED, DELETED-STORAGE) and RFC 7889 (APPENDLIMIT), and
// the RFC 5819 LIST-STATUS return option.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "imap_test_util.h"
#include "protocol/imap/mailbox_response.h"
#include "protocol/imap/quota.h"

namespace protocol_imap_quota_status_test {

namespace pi = loft::proto::imap;
using loft::proto::imap::test::parse;

TEST_CASE("GETQUOTA and GETQUOTAROOT take one astring") {
  CHECK(parse("a GETQUOTA \"\"") == "a GETQUOTA []");
  CHECK(parse("a getquota bob") == "a GETQUOTA [bob]");
  CHECK(parse("a GETQUOTA {3}\r\nx y") == "a GETQUOTA [x y]");
  CHECK(parse("a GETQUOTA") == "BAD a Missing argument");
  CHECK(parse("a GETQUOTA a b") == "BAD a Unexpected extra arguments");
  CHECK(parse("a GETQUOTAROOT INBOX") == "a GETQUOTAROOT [INBOX]");
  CHECK(parse("a GETQUOTAROOT \"Caf&AOk-\"") == "a GETQUOTAROOT [Caf&AOk-]");
  CHECK(parse("a GETQUOTAROOT") == "BAD a Missing argument");
}

TEST_CASE("SETQUOTA takes a root and a possibly empty list of resource limits") {
  CHECK(parse("a SETQUOTA \"\" (STORAGE 512)") == "a SETQUOTA [] STORAGE=512");
  CHECK(parse("a SETQUOTA \"\" (storage 512 Message 10)") == "a SETQUOTA [] STORAGE=512 MESSAGE=10");
  CHECK(parse("a SETQUOTA bob ()") == "a SETQUOTA [bob]");
  CHECK(parse("a SETQUOTA \"\" (X-NEW 1)") == "a SETQUOTA [] X-NEW=1");  // resource-name-ext: the server refuses it
  // number64 (RFC 9208 §6): at most 2^63 - 1.
  CHECK(parse("a SETQUOTA \"\" (MESSAGE 9223372036854775807)") == "a SETQUOTA [] MESSAGE=9223372036854775807");
  CHECK(parse("a SETQUOTA \"\" (MESSAGE 9223372036854775808)").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETQUOTA \"\" (STORAGE 1 STORAGE 2)") == "BAD a Resource STORAGE given twice");
  CHECK(parse("a SETQUOTA \"\" (STORAGE)").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETQUOTA \"\" (STORAGE -1)").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETQUOTA \"\" STORAGE 1").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETQUOTA \"\"").rfind("BAD a", 0) == 0);
  CHECK(parse("a SETQUOTA \"\" (STORAGE 1").rfind("BAD a", 0) == 0);
  std::string many = "a SETQUOTA \"\" (";
  for (int i = 0; i < 17; ++i) many += (i ? " R" : "R") + std::to_string(i) + " 1";
  CHECK(parse(many + ")") == "BAD a Too many SETQUOTA resources");
}

TEST_CASE("QUOTA and QUOTAROOT responses") {
  std::string out;
  std::vector<pi::QuotaResource> res = {{"STORAGE", 10, 512}, {"MESSAGE", 3, 100}};
  pi::QuotaResponse{"", res}.serialize(&out);
  CHECK(out == "* QUOTA \"\" (STORAGE 10 512 MESSAGE 3 100)\r\n");
  out.clear();
  pi::QuotaResponse{"bob", std::span(res).first(1)}.serialize(&out);
  CHECK(out == "* QUOTA bob (STORAGE 10 512)\r\n");
  out.clear();
  std::vector<std::string> roots = {""};
  pi::QuotaRootResponse{"INBOX", roots}.serialize(&out);
  CHECK(out == "* QUOTAROOT INBOX \"\"\r\n");
  out.clear();
  pi::QuotaRootResponse{"Café x", {}}.serialize(&out);
  CHECK(out == "* QUOTAROOT \"Caf&AOk- x\"\r\n");
}

TEST_CASE("STATUS accepts SIZE, DELETED, DELETED-STORAGE and APPENDLIMIT") {
  CHECK(parse("a STATUS INBOX (SIZE deleted DELETED-STORAGE AppendLimit MESSAGES)") ==
        "a STATUS [INBOX] SIZE DELETED DELETED-STORAGE APPENDLIMIT MESSAGES");
  using I = pi::CmdStatus::Item;
  std::vector<I> items = {I::size, I::deleted, I::deleted_storage, I::appendlimit};
  pi::MailboxStatus st;
  st.size = 5000000000ull;  // number64: beyond 32 bits
  st.deleted = 2;
  st.deleted_storage = 300;
  st.appendlimit = 1024;
  std::string out;
  pi::StatusDataResponse{"INBOX", items, st}.serialize(&out);
  CHECK(out == "* STATUS INBOX (SIZE 5000000000 DELETED 2 DELETED-STORAGE 300 APPENDLIMIT 1024)\r\n");
  // RFC 7889 §3: NIL when there is no limit.
  st.appendlimit = 0;
  out.clear();
  pi::StatusDataResponse{"INBOX", std::span(items).last(1), st}.serialize(&out);
  CHECK(out == "* STATUS INBOX (APPENDLIMIT NIL)\r\n");
}

TEST_CASE("LIST RETURN (STATUS (...)) is RFC 5819 LIST-STATUS") {
  CHECK(parse("a LIST \"\" * RETURN (STATUS (MESSAGES SIZE))") == "a LIST ext [] [*] ret=STATUS MESSAGES SIZE");
  CHECK(parse("a LIST \"\" * RETURN (CHILDREN STATUS (UNSEEN) SUBSCRIBED)") ==
        "a LIST ext [] [*] ret=SUBSCRIBED ret=CHILDREN ret=STATUS UNSEEN");
  CHECK(parse("a LIST (SUBSCRIBED) \"\" (INBOX Sent) RETURN (STATUS (UIDNEXT))") ==
        "a LIST ext sel=SUBSCRIBED [] [INBOX] [Sent] ret=STATUS UIDNEXT");
  CHECK(parse("a LIST \"\" * RETURN (STATUS ())") == "BAD a Empty list");
  CHECK(parse("a LIST \"\" * RETURN (STATUS)").rfind("BAD a", 0) == 0);
  CHECK(parse("a LIST \"\" * RETURN (STATUS (FOO))") == "BAD a Unknown STATUS item FOO");
  CHECK(parse("a LIST \"\" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))") == "BAD a STATUS given twice");
}

}  // namespace protocol_imap_quota_status_test

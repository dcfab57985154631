// Parsers of the mailbox commands: every form of RFC 3501 §6.3.3-§6.3.10,
// RFC 5258 extended LIST, RFC 6154 CREATE (USE), ID, ENABLE, NAMESPACE, and
// the malformed ones answered BAD.
#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_mailbox_parse_test {

using loft::proto::imap::test::parse;

TEST_CASE("CREATE takes a mailbox and an optional USE list of special-use attributes") {
  CHECK(parse("a CREATE foo") == "a CREATE [foo]");
  CHECK(parse("a create \"a b/c\"") == "a CREATE [a b/c]");
  CHECK(parse("a CREATE {3}\r\nx/y") == "a CREATE [x/y]");
  CHECK(parse("a CREATE Caf&AOk-/") == "a CREATE [Caf&AOk-/]");
  CHECK(parse("a CREATE Sent (USE (\\Sent))") == "a CREATE [Sent] use=\\Sent");
  CHECK(parse("a CREATE S (use (\\Sent \\Junk))") == "a CREATE [S] use=\\Sent use=\\Junk");
  CHECK(parse("a CREATE S (USE ())") == "a CREATE [S]");
  CHECK(parse("a CREATE") == "BAD a Missing argument");
  CHECK(parse("a CREATE x*").rfind("BAD a", 0) == 0);  // '*' is no ASTRING-CHAR
  CHECK(parse("a CREATE S (FOO (\\Sent))") == "BAD a Unknown CREATE parameter FOO");
  CHECK(parse("a CREATE S (USE (Sent))").rfind("BAD a", 0) == 0);
  CHECK(parse("a CREATE S ()") == "BAD a Empty list");
  CHECK(parse("a CREATE S (USE (\\Sent)").rfind("BAD a", 0) == 0);
}

TEST_CASE("DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE take mailboxes") {
  CHECK(parse("a DELETE foo") == "a DELETE [foo]");
  CHECK(parse("a RENAME foo \"b a r\"") == "a RENAME [foo] [b a r]");
  CHECK(parse("a SUBSCRIBE INBOX") == "a SUBSCRIBE [INBOX]");
  CHECK(parse("a UNSUBSCRIBE \"\"") == "a UNSUBSCRIBE []");
  CHECK(parse("a DELETE") == "BAD a Missing argument");
  CHECK(parse("a RENAME foo") == "BAD a Missing argument");
  CHECK(parse("a DELETE a b") == "BAD a Unexpected extra arguments");
}

TEST_CASE("LIST and LSUB take a reference and a pattern with wildcards") {
  CHECK(parse("a LIST \"\" *") == "a LIST [] [*]");
  CHECK(parse("a LIST \"\" %") == "a LIST [] [%]");
  CHECK(parse("a LIST ~/Mail/ %/a]b") == "BAD a Literal8 not allowed here");  // '~' starts literal8
  CHECK(parse("a LIST Mail/ %/a]b") == "a LIST [Mail/] [%/a]b]");
  CHECK(parse("a LIST \"\" \"\"") == "a LIST [] []");
  CHECK(parse("a LSUB \"\" \"*\"") == "a LSUB [] [*]");
  CHECK(parse("a XLIST \"\" *") == "a XLIST [] [*]");
  CHECK(parse("a LIST \"\"") == "BAD a Missing argument");
  CHECK(parse("a LIST \"\" * x") == "BAD a Expected RETURN");
  CHECK(parse("a LSUB \"\" * RETURN (CHILDREN)") == "BAD a Unexpected extra arguments");
}

TEST_CASE("extended LIST: selection options, pattern lists and return options (RFC 5258, RFC 6154)") {
  CHECK(parse("a LIST () \"\" *") == "a LIST ext [] [*]");
  CHECK(parse("a LIST (SUBSCRIBED) \"\" *") == "a LIST ext sel=SUBSCRIBED [] [*]");
  CHECK(parse("a LIST (subscribed RECURSIVEMATCH remote) \"\" %") ==
        "a LIST ext sel=SUBSCRIBED sel=RECURSIVEMATCH [] [%]");
  CHECK(parse("a LIST (SPECIAL-USE) \"\" *") == "a LIST ext sel=SPECIAL-USE [] [*]");
  CHECK(parse("a LIST \"\" (INBOX \"Sent\" %/x)") == "a LIST ext [] [INBOX] [Sent] [%/x]");
  CHECK(parse("a LIST \"\" * RETURN (CHILDREN SUBSCRIBED special-use)") ==
        "a LIST ext [] [*] ret=SUBSCRIBED ret=CHILDREN ret=SPECIAL-USE");
  CHECK(parse("a LIST \"\" * RETURN ()") == "a LIST ext [] [*]");
  CHECK(parse("a LIST (RECURSIVEMATCH) \"\" *") == "BAD a RECURSIVEMATCH needs another selection option");
  CHECK(parse("a LIST (FOO) \"\" *") == "BAD a Unknown LIST selection option FOO");
  CHECK(parse("a LIST \"\" ()") == "BAD a Empty list");
  CHECK(parse("a LIST \"\" (a b").rfind("BAD a", 0) == 0);
  std::string many = "a LIST \"\" (";
  for (int i = 0; i < 32; ++i) many += (i ? " p" : "p") + std::to_string(i);
  CHECK(parse(many + ")").rfind("a LIST ext [] [p0]", 0) == 0);
  CHECK(parse(many + " p32)") == "BAD a Too many LIST patterns");
}

TEST_CASE("STATUS takes a mailbox and a non-empty list of known items") {
  CHECK(parse("a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)") ==
        "a STATUS [INBOX] MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN");
  CHECK(parse("a STATUS \"a b\" (unseen highestmodseq)") == "a STATUS [a b] UNSEEN HIGHESTMODSEQ");
  CHECK(parse("a STATUS INBOX ()") == "BAD a Empty list");
  CHECK(parse("a STATUS INBOX (SIZEX)") == "BAD a Unknown STATUS item SIZEX");
  CHECK(parse("a STATUS INBOX MESSAGES").rfind("BAD a", 0) == 0);
  CHECK(parse("a STATUS INBOX") == "BAD a Missing argument");
}

TEST_CASE("NAMESPACE, ID and ENABLE") {
  CHECK(parse("a NAMESPACE") == "a NAMESPACE");
  CHECK(parse("a NAMESPACE x") == "BAD a Unexpected extra arguments");
  CHECK(parse("a ID NIL") == "a ID");
  CHECK(parse("a ID (\"name\" \"Thunderbird\" \"version\" NIL)") == "a ID [name]=[Thunderbird] [version]=NIL");
  CHECK(parse("a ID") == "BAD a Missing argument");
  CHECK(parse("a ID (\"name\")").rfind("BAD a", 0) == 0);
  CHECK(parse("a ID FOO") == "BAD a Expected NIL or a list");
  CHECK(parse("a ID (\"" + std::string(31, 'n') + "\" \"v\")") == "BAD a ID field name too long");
  CHECK(parse("a ID (\"n\" \"" + std::string(1025, 'v') + "\")") == "BAD a ID value too long");
  std::string many = "a ID (";
  for (int i = 0; i < 31; ++i) many += (i ? " \"f" : "\"f") + std::to_string(i) + "\" NIL";
  CHECK(parse(many + ")") == "BAD a Too many ID fields");
  CHECK(parse("a ENABLE condstore utf8=accept") == "a ENABLE CONDSTORE UTF8=ACCEPT");
  CHECK(parse("a ENABLE") == "BAD a Missing argument");
  std::string lots = "a ENABLE";
  for (int i = 0; i < 33; ++i) lots += " X" + std::to_string(i);
  CHECK(parse(lots) == "BAD a Too many ENABLE arguments");
}

}  // namespace protocol_imap_mailbox_parse_test

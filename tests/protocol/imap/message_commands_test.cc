// STORE, COPY, MOVE, EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT and CHECK
// arguments (RFC 3501 §6.4, RFC 4315, RFC 6851, RFC 3691).
#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_message_commands_test {

using loft::proto::imap::test::parse;

TEST_CASE("STORE takes FLAGS, +FLAGS, -FLAGS, .SILENT, a list or bare flags") {
  CHECK(parse("a STORE 1:3 +FLAGS (\\Seen \\Deleted)") == "a STORE 1:3 +FLAGS (\\Seen \\Deleted)");
  CHECK(parse("a store 2 -flags.silent \\flagged foo") == "a STORE 2 -FLAGS.SILENT (\\Flagged foo)");
  CHECK(parse("a STORE * FLAGS ()") == "a STORE * FLAGS ()");
  CHECK(parse("a UID STORE 1:* FLAGS ($Junk $junk \\Answered)") == "a UID STORE 1:* FLAGS (\\Answered $Junk)");
}

TEST_CASE("STORE refuses \\Recent, unknown system flags, bad items and bad sets") {
  CHECK(parse("a STORE 1 +FLAGS (\\Recent)") == "BAD a \\Recent cannot be stored");
  CHECK(parse("a STORE 1 +FLAGS \\Foo") == "BAD a Invalid system flag \\Foo");
  CHECK(parse("a STORE 1 BODY (\\Seen)") == "BAD a Invalid STORE data item BODY");
  CHECK(parse("a STORE 0 FLAGS (\\Seen)") == "BAD a Invalid sequence set");
  CHECK(parse("a STORE 1 FLAGS (\\Seen") == "BAD a Missing argument");
  CHECK(parse("a STORE 1 FLAGS") == "BAD a Missing argument");
  CHECK(parse("a STORE 1 FLAGS ((\\Seen))").rfind("BAD a ", 0) == 0);
}

TEST_CASE("COPY, MOVE and their UID forms take a set and a mailbox") {
  CHECK(parse("a COPY 1:2,5 Trash") == "a COPY 1:2,5 [Trash]");
  CHECK(parse("a UID COPY 4:* \"My Box\"") == "a UID COPY 4:* [My Box]");
  CHECK(parse("a MOVE 3 {5}\r\nArchi") == "a MOVE 3 [Archi]");
  CHECK(parse("a uid move 1 Junk") == "a UID MOVE 1 [Junk]");
  CHECK(parse("a COPY 1") == "BAD a Missing argument");
  CHECK(parse("a MOVE x Junk") == "BAD a Invalid sequence set");
}

TEST_CASE("EXPUNGE, UID EXPUNGE, CLOSE, UNSELECT and CHECK") {
  CHECK(parse("a EXPUNGE") == "a EXPUNGE");
  CHECK(parse("a UID EXPUNGE 1:3,7") == "a UID EXPUNGE 1:3,7");
  CHECK(parse("a UID EXPUNGE") == "BAD a Missing argument");
  CHECK(parse("a EXPUNGE 1") == "BAD a Unexpected extra arguments");
  CHECK(parse("a CLOSE") == "a CLOSE");
  CHECK(parse("a UNSELECT") == "a UNSELECT");
  CHECK(parse("a CHECK") == "a CHECK");
}

}  // namespace protocol_imap_message_commands_test

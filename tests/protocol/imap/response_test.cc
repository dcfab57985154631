// Typed IMAP responses serialize to the RFC 3501 §7 grammar.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/response.h"

namespace protocol_imap_response_test {

namespace pi = loft::proto::imap;

namespace {
template <class R>
std::string bytes(const R& r) {
  std::string out;
  r.serialize(&out);
  return out;
}
}  // namespace

TEST_CASE("a tagged status response carries its code and a one-line text") {
  CHECK(bytes(pi::StatusResponse{"a1", pi::Status::ok, std::nullopt, "NOOP completed"}) == "a1 OK NOOP completed\r\n");
  CHECK(bytes(pi::StatusResponse{"a2", pi::Status::no, pi::ResponseCode::atom("NONEXISTENT"), "No such mailbox"}) ==
        "a2 NO [NONEXISTENT] No such mailbox\r\n");
  CHECK(bytes(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::uidnext(42), "Predicted next UID"}) ==
        "* OK [UIDNEXT 42] Predicted next UID\r\n");
  // CR, LF and NUL cannot end or break the line (§9 TEXT-CHAR).
  CHECK(bytes(pi::StatusResponse{"t", pi::Status::bad, std::nullopt, std::string_view("x\r\ny\0z", 6)}) ==
        "t BAD x  y z\r\n");
  // resp-text needs one character at least.
  CHECK(bytes(pi::StatusResponse{"t", pi::Status::ok, std::nullopt, ""}) == "t OK completed\r\n");
  CHECK(bytes(pi::StatusResponse{"*", pi::Status::bye, std::nullopt, "Logging out"}) == "* BYE Logging out\r\n");
}

TEST_CASE("untagged mailbox data serializes with its numbers") {
  CHECK(bytes(pi::ExistsResponse{23}) == "* 23 EXISTS\r\n");
  CHECK(bytes(pi::RecentResponse{0}) == "* 0 RECENT\r\n");
  CHECK(bytes(pi::ExpungeResponse{4}) == "* 4 EXPUNGE\r\n");
  CHECK(bytes(pi::CapabilityResponse{"IMAP4rev1 IDLE"}) == "* CAPABILITY IMAP4rev1 IDLE\r\n");
  CHECK(bytes(pi::ContinuationResponse{"idling"}) == "+ idling\r\n");
}

TEST_CASE("flags are listed system flags first, then \\Recent, then valid keywords") {
  std::vector<std::string> kw{"$Forwarded", "bad keyword", "Junk", "", "a]b"};
  pi::FetchFlagsResponse f{7, pi::kFlagSeen | pi::kFlagDeleted, kw, true, std::nullopt, std::nullopt};
  CHECK(bytes(f) == "* 7 FETCH (FLAGS (\\Seen \\Deleted \\Recent $Forwarded Junk))\r\n");
  pi::FetchFlagsResponse g{1, 0, {}, false, 12u, 99u};
  CHECK(bytes(g) == "* 1 FETCH (UID 12 FLAGS () MODSEQ (99))\r\n");
  std::vector<std::string> defined{"Junk"};
  CHECK(bytes(pi::FlagsResponse{pi::kAllSystemFlags, defined}) ==
        "* FLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft Junk)\r\n");
  CHECK(bytes(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::permanentflags(pi::kFlagSeen, defined, true),
                                 "Flags permitted."}) == "* OK [PERMANENTFLAGS (\\Seen Junk \\*)] Flags permitted.\r\n");
  CHECK(bytes(pi::StatusResponse{"*", pi::Status::ok, pi::ResponseCode::permanentflags(0, {}, false), "Read-only."}) ==
        "* OK [PERMANENTFLAGS ()] Read-only.\r\n");
}

}  // namespace protocol_imap_response_test

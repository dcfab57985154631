// The pure pieces of an IMAP4rev2 session (RFC 9051 Appendix E): which
// SEARCH programs hold the removed NEW/OLD/RECENT keys, the children
// attribute of the LIST that SELECT sends (§6.3.2), and the NFC test a new
// name passes (§5.1).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/imap/mailbox_list.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/parser.h"
#include "protocol/imap/search.h"

namespace protocol_imap_imap4rev2_test {

namespace pi = loft::proto::imap;

namespace {

pi::SearchKey program(const std::string& text) {
  pi::ParseResult r = pi::parse_command("t SEARCH " + text, pi::ParserLimits{});
  REQUIRE(r.command);
  return std::get<pi::CmdSearch>(r.command->body).program;
}

}  // namespace

TEST_CASE("NEW, OLD and RECENT are found at any depth; other flag keys are not") {
  for (const char* text : {"NEW", "old", "RECENT", "SEEN OR ANSWERED (DELETED NOT NEW)", "OR (FLAGGED) OLD",
                           "NOT (UID 1:* RECENT)"})
    CHECK_MESSAGE(pi::has_recent_key(program(text)), text);
  for (const char* text : {"ALL", "SEEN UNSEEN", "OR NOT FLAGGED (DRAFT KEYWORD recent)", "SUBJECT new",
                           "HEADER X-Old old", "UNANSWERED UNDELETED"})
    CHECK_MESSAGE(!pi::has_recent_key(program(text)), text);
}

TEST_CASE("SELECT's LIST: \\HasChildren only for a mailbox with an inferior") {
  const std::vector<pi::MailboxEntry> boxes = {
      {"INBOX", 0}, {"INBOX/Sub", 0}, {"Work", 0}, {"Work/2024", 0}, {"Workshop", 0}, {"Sent", pi::kSpecialSent},
  };
  CHECK(pi::mailbox_children_attr("INBOX", boxes) == pi::kAttrHasChildren);
  CHECK(pi::mailbox_children_attr("Work", boxes) == pi::kAttrHasChildren);
  CHECK(pi::mailbox_children_attr("Work/2024", boxes) == pi::kAttrHasNoChildren);
  // "Workshop" shares a prefix with "Work" but is no inferior of it.
  CHECK(pi::mailbox_children_attr("Workshop", boxes) == pi::kAttrHasNoChildren);
  CHECK(pi::mailbox_children_attr("Wor", boxes) == pi::kAttrHasNoChildren);
  CHECK(pi::mailbox_children_attr("Sent", boxes) == pi::kAttrHasNoChildren);
}

TEST_CASE("a new name must be in NFC (RFC 9051 §5.1, Net-Unicode)") {
  CHECK(pi::is_nfc(""));
  CHECK(pi::is_nfc("Work/2024"));
  CHECK(pi::is_nfc("Gr\xc3\xbc\xc3\x9f" "e"));         // "Grüße", precomposed ü
  CHECK(pi::is_nfc("\xf0\x9f\x93\xab"));                // U+1F4EB
  CHECK(pi::is_nfc("\xe6\x97\xa5\xe6\x9c\xac"));        // CJK
  CHECK(!pi::is_nfc("Gru\xcc\x88\xc3\x9f" "e"));        // u + U+0308 COMBINING DIAERESIS
  CHECK(!pi::is_nfc("Cafe\xcc\x81"));                   // e + U+0301 COMBINING ACUTE
  CHECK(!pi::is_nfc("\xe2\x84\xab"));                   // U+212B ANGSTROM SIGN (NFC: U+00C5)
}

}  // namespace protocol_imap_imap4rev2_test

// RFC 5465 NOTIFY in the pure codec: the grammar of §8 (filters, mailbox
// lists, events, MessageNew's fetch attributes, SET STATUS, NONE), the
// rules of §5 and §6 that make a well-formed NOTIFY BAD, BADEVENT for events
// Loft does not offer, and the LIST / METADATA event responses.
#include <doctest/doctest.h>

#include <string>

#include "imap_test_util.h"
#include "protocol/imap/command_table.h"
#include "protocol/imap/notify.h"

namespace protocol_imap_notify_test {

using namespace loft::proto::imap;
using loft::proto::imap::test::parse;

namespace {

// The typed NOTIFY of a line that must parse.
CmdNotify notify_of(const std::string& text) {
  ParseResult r = parse_command(text, ParserLimits{});
  const std::string why = text + ": " + r.error.message;
  REQUIRE_MESSAGE(r.command, why);
  return std::get<CmdNotify>(r.command->body);
}

}  // namespace

TEST_CASE("NOTIFY grammar (RFC 5465 §8)") {
  CHECK(parse("a NOTIFY NONE") == "a NOTIFY NONE");
  CHECK(parse("a notify none") == "a NOTIFY NONE");
  // filter numbers: 0 selected, 1 selected-delayed, 2 inboxes, 3 personal,
  // 4 subscribed, 5 subtree, 6 mailboxes; events as NotifyEvent bits.
  CHECK(parse("a NOTIFY SET (selected (MessageNew MessageExpunge FlagChange))") == "a NOTIFY SET (0 7)");
  CHECK(parse("a NOTIFY SET STATUS (Selected-Delayed (messagenew messageexpunge)) (personal NONE)") ==
        "a NOTIFY SET STATUS (1 3) (3 0)");
  CHECK(parse("a NOTIFY SET (inboxes (MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange))") ==
        "a NOTIFY SET (2 240)");
  CHECK(parse("a NOTIFY SET (subscribed (AnnotationChange))") == "a NOTIFY SET (4 8)");
  CHECK(parse("a NOTIFY SET (subtree INBOX (MailboxName)) (mailboxes (Lists \"Foo Bar\") (MessageNew))") ==
        "a NOTIFY SET (5 [INBOX] 16) (6 [Lists] [Foo Bar] 1)");
  CHECK(parse("a NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (FROM)]) MessageExpunge))") ==
        "a NOTIFY SET (0 3 UID BODY.PEEK[HEADER.FIELDS (FROM)])");
  // event-ext = atom: kept for NO [BADEVENT], not a syntax error.
  CHECK(parse("a NOTIFY SET (personal (MessageNew Future-Event))") == "a NOTIFY SET (3 1 ?Future-Event)");
}

TEST_CASE("NOTIFY split at every offset and with a literal mailbox name") {
  auto events = loft::proto::imap::test::feed_every_way(
      "a NOTIFY SET STATUS (mailboxes (Lists {3}\r\nabc) (MessageNew MessageExpunge)) (selected NONE)\r\n");
  REQUIRE(events.size() >= 1);
  CHECK(events.back() == "a NOTIFY SET STATUS (6 [Lists] [abc] 3) (0 0)");
}

TEST_CASE("NOTIFY syntax errors are BAD") {
  for (const char* bad : {"a NOTIFY", "a NOTIFY SET", "a NOTIFY SET STATUS", "a NOTIFY ALL", "a NOTIFY NONE x",
                          "a NOTIFY SET ()", "a NOTIFY SET (selected)", "a NOTIFY SET (selected ())",
                          "a NOTIFY SET (nobody (MessageNew))", "a NOTIFY SET (personal MessageNew)",
                          "a NOTIFY SET (subtree (MessageNew))", "a NOTIFY SET (mailboxes () (MessageNew))",
                          "a NOTIFY SET (selected (MessageNew ()))", "a NOTIFY SET (selected (MessageNew (NOPE)))",
                          "a NOTIFY SET (personal (MessageNew))  (selected NONE)", "a NOTIFY SET (personal (\"MessageNew\"))",
                          "a NOTIFY SET (personal (MessageNew)", "a NOTIFY SET STATUS STATUS (personal NONE)"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_command(bad, ParserLimits{}).command);
  }
}

TEST_CASE("NOTIFY rules (RFC 5465 §5, §6)") {
  auto rule = [](const std::string& text) { return notify_rule_error(notify_of(text)); };
  CHECK_FALSE(rule("a NOTIFY SET (selected (MessageNew MessageExpunge FlagChange)) (personal (MessageNew))"));
  CHECK_FALSE(rule("a NOTIFY SET (selected NONE) (personal (FlagChange))"));
  CHECK(rule("a NOTIFY SET (selected (MessageNew))"));
  CHECK(rule("a NOTIFY SET (selected-delayed (MessageExpunge))"));
  CHECK(rule("a NOTIFY SET (selected (FlagChange))"));
  CHECK(rule("a NOTIFY SET (selected (MessageNew FlagChange))"));
  CHECK(rule("a NOTIFY SET (selected NONE) (selected-delayed NONE)"));
  CHECK(rule("a NOTIFY SET (personal (MessageNew (UID) MessageExpunge))"));
  CHECK_FALSE(notify_has_unsupported(notify_of("a NOTIFY SET (personal (MessageNew MailboxName))")));
  CHECK(notify_has_unsupported(notify_of("a NOTIFY SET (personal (MessageNew X))")));
  CHECK(notify_has_unsupported(notify_of("a NOTIFY SET (personal (AnnotationChange))")));
  CHECK(notify_badevent().name == "BADEVENT");
  CHECK(notify_badevent().arg ==
        "(MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)");
}

TEST_CASE("NOTIFY is valid once authenticated (RFC 5465 §8 command-auth)") {
  ParseResult r = parse_command("a NOTIFY NONE", ParserLimits{});
  REQUIRE(r.command);
  const CommandInfo& info = command_info(r.command->body);
  CHECK((info.states & kAuthenticated));
  CHECK((info.states & kSelected));
  CHECK_FALSE((info.states & kNotAuthenticated));
}

TEST_CASE("NOTIFY event responses (RFC 5465 §5.4-§5.7)") {
  std::string out;
  NotifyListResponse{"Lists/new", "", false, false, NameForm::mutf7}.serialize(&out);
  NotifyListResponse{"Gone", "", true, false, NameForm::mutf7}.serialize(&out);
  NotifyListResponse{"Sub", "", false, true, NameForm::mutf7}.serialize(&out);
  NotifyListResponse{"B\xC3\xA4r", "Old name", false, false, NameForm::mutf7}.serialize(&out);
  CHECK(out ==
        "* LIST () \"/\" Lists/new\r\n* LIST (\\NonExistent) \"/\" Gone\r\n* LIST (\\Subscribed) \"/\" Sub\r\n"
        "* LIST () \"/\" B&AOQ-r (\"OLDNAME\" (\"Old name\"))\r\n");
  out.clear();
  std::vector<std::string> entries{"/private/comment", "/shared/x"};
  NotifyMetadataResponse{"INBOX", entries, NameForm::mutf7}.serialize(&out);
  NotifyMetadataResponse{"", entries, NameForm::utf8}.serialize(&out);
  CHECK(out == "* METADATA INBOX /private/comment /shared/x\r\n* METADATA \"\" /private/comment /shared/x\r\n");
}

}  // namespace protocol_imap_notify_test

// The LIST engine (mailbox_list.h), the name checks (mailbox_name.h) and the
// responses (mailbox_response.h): the rules of RFC 3501 §6.3.8/§6.3.9, RFC
// 3348, RFC 5258 and RFC 6154 on a small hierarchy, and a large account.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "protocol/imap/mailbox_list.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"

namespace protocol_imap_mailbox_list_test {

namespace pi = loft::proto::imap;
using pi::CmdList;

namespace {

// A hierarchy with a hole: "Work" is no mailbox, only "Work/2024" is.
const std::vector<pi::MailboxEntry> kBoxes = {
    {"INBOX", 0},           {"Drafts", pi::kSpecialDrafts}, {"Sent", pi::kSpecialSent},
    {"Junk", pi::kSpecialJunk}, {"Work/2024", 0},           {"Work/2024/Q1", 0},
    {"Caf\xc3\xa9", 0},
};
const std::vector<std::string> kSubs = {"INBOX", "Drafts", "Work/2024/Q1", "Gone"};

// Runs cmd (patterns as decoded) and returns the serialized lines.
std::string run(CmdList cmd, std::vector<std::string> patterns) {
  std::string out;
  for (const pi::ListItem& item : pi::list_mailboxes(cmd, patterns, kBoxes, kSubs))
    pi::ListResponse{cmd.kind, &item}.serialize(&out);
  return out;
}

CmdList list() { return CmdList{}; }
CmdList lsub() {
  CmdList c;
  c.kind = CmdList::Kind::lsub;
  return c;
}

}  // namespace

TEST_CASE("basic LIST: children, special-use and \\Noselect superiors") {
  CHECK(run(list(), {"*"}) ==
        "* LIST (\\HasNoChildren) \"/\" INBOX\r\n"
        "* LIST (\\HasNoChildren) \"/\" Caf&AOk-\r\n"
        "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
        "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n"
        "* LIST (\\HasNoChildren \\Sent) \"/\" Sent\r\n"
        "* LIST (\\Noselect \\HasChildren) \"/\" Work\r\n"
        "* LIST (\\HasChildren) \"/\" Work/2024\r\n"
        "* LIST (\\HasNoChildren) \"/\" Work/2024/Q1\r\n");
  // RFC 3501 §6.3.8: '%' returns the level "Work", which is no mailbox.
  CHECK(run(list(), {"W%"}) == "* LIST (\\Noselect \\HasChildren) \"/\" Work\r\n");
  CHECK(run(list(), {"Work/%"}) == "* LIST (\\HasChildren) \"/\" Work/2024\r\n");
  CHECK(run(list(), {"%/%/%"}) == "* LIST (\\HasNoChildren) \"/\" Work/2024/Q1\r\n");
  CHECK(run(list(), {"inbox"}) == "* LIST (\\HasNoChildren) \"/\" INBOX\r\n");
  CHECK(run(list(), {"Gone"}).empty());  // subscribed, but no mailbox
  CHECK(run(list(), {"nothing*"}).empty());
}

TEST_CASE("LSUB: subscribed names, special-use, and superiors only for a trailing '%'") {
  CHECK(run(lsub(), {"*"}) ==
        "* LSUB () \"/\" INBOX\r\n"
        "* LSUB (\\Drafts) \"/\" Drafts\r\n"
        "* LSUB () \"/\" Gone\r\n"
        "* LSUB () \"/\" Work/2024/Q1\r\n");
  CHECK(run(lsub(), {"%"}) ==
        "* LSUB () \"/\" INBOX\r\n"
        "* LSUB (\\Drafts) \"/\" Drafts\r\n"
        "* LSUB () \"/\" Gone\r\n"
        "* LSUB (\\Noselect) \"/\" Work\r\n");
  CHECK(run(lsub(), {"Work/%"}) == "* LSUB (\\Noselect) \"/\" Work/2024\r\n");
}

TEST_CASE("extended LIST: SUBSCRIBED, RECURSIVEMATCH, SPECIAL-USE and the return options") {
  CmdList c = list();
  c.extended = true;
  // Without return options, no attribute but \NonExistent (RFC 5258 §3.4).
  CHECK(run(c, {"W*"}) ==
        "* LIST (\\NonExistent) \"/\" Work\r\n"
        "* LIST () \"/\" Work/2024\r\n"
        "* LIST () \"/\" Work/2024/Q1\r\n");
  c.return_children = true;
  c.return_special_use = true;
  CHECK(run(c, {"D*", "J*"}) ==
        "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts\r\n"
        "* LIST (\\HasNoChildren \\Junk) \"/\" Junk\r\n");

  CmdList s = list();
  s.extended = true;
  s.select_subscribed = true;
  CHECK(run(s, {"*"}) ==
        "* LIST (\\Subscribed) \"/\" INBOX\r\n"
        "* LIST (\\Subscribed) \"/\" Drafts\r\n"
        "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\n"
        "* LIST (\\Subscribed) \"/\" Work/2024/Q1\r\n");
  s.select_recursive = true;
  CHECK(run(s, {"%"}) ==
        "* LIST (\\Subscribed) \"/\" INBOX\r\n"
        "* LIST (\\Subscribed) \"/\" Drafts\r\n"
        "* LIST (\\NonExistent \\Subscribed) \"/\" Gone\r\n"
        "* LIST (\\NonExistent) \"/\" Work (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");

  CmdList u = list();
  u.extended = true;
  u.select_special_use = true;
  CHECK(run(u, {"*"}) ==
        "* LIST (\\Drafts) \"/\" Drafts\r\n"
        "* LIST (\\Junk) \"/\" Junk\r\n"
        "* LIST (\\Sent) \"/\" Sent\r\n");
  u.return_subscribed = true;
  CHECK(run(u, {"D*"}) == "* LIST (\\Subscribed \\Drafts) \"/\" Drafts\r\n");
}

TEST_CASE("XLIST writes Gmail's attribute names and \\Inbox") {
  CmdList x = list();
  x.kind = CmdList::Kind::xlist;
  CHECK(run(x, {"INBOX"}) == "* XLIST (\\HasNoChildren \\Inbox) \"/\" INBOX\r\n");
  CHECK(run(x, {"Junk"}) == "* XLIST (\\HasNoChildren \\Spam) \"/\" Junk\r\n");
}

TEST_CASE("the delimiter query answers the root of the reference") {
  CHECK(pi::list_root("") == "");
  CHECK(pi::list_root("Work") == "");
  CHECK(pi::list_root("Work/2024") == "Work/");
  pi::ListItem root{"", pi::kAttrNoselect};
  std::string out;
  pi::ListResponse{CmdList::Kind::list, &root}.serialize(&out);
  CHECK(out == "* LIST (\\Noselect) \"/\" \"\"\r\n");
}

TEST_CASE("names are decoded, bounded and INBOX is case-insensitive") {
  CHECK(*pi::decode_mailbox_name("inbox") == "INBOX");
  CHECK(*pi::decode_mailbox_name("Inbox/Sub") == "INBOX/Sub");
  CHECK(*pi::decode_mailbox_name("Inboxes") == "Inboxes");
  CHECK(*pi::decode_mailbox_name("Caf&AOk-") == "Caf\xc3\xa9");
  CHECK_FALSE(pi::decode_mailbox_name("&AGE-"));
  CHECK_FALSE(pi::decode_mailbox_name("a&AAA-b"));  // an encoded NUL
  CHECK_FALSE(pi::decode_mailbox_name("a&AA0ACg-b"));  // encoded CR LF
  CHECK_FALSE(pi::decode_mailbox_name("a\r\nb"));
  CHECK(pi::decode_mailbox_name(std::string(pi::kMaxMailboxName, 'x')));
  auto long_name = pi::decode_mailbox_name(std::string(pi::kMaxMailboxName + 1, 'x'));
  REQUIRE_FALSE(long_name);
  CHECK(long_name.error().message == "Mailbox name too long (at most 512 bytes)");
}

TEST_CASE("new names drop one trailing delimiter and refuse empty levels and wildcards") {
  CHECK(*pi::decode_new_mailbox_name("a/b/") == "a/b");
  CHECK(*pi::decode_new_mailbox_name("inbox/x") == "INBOX/x");
  CHECK(pi::decode_new_mailbox_name("").error().message == "Empty mailbox name");
  CHECK(pi::decode_new_mailbox_name("/").error().message == "Empty mailbox name");
  CHECK(pi::decode_new_mailbox_name("/a").error().message == "Mailbox name begins with the hierarchy delimiter");
  CHECK(pi::decode_new_mailbox_name("a//b").error().message == "Mailbox name has an empty hierarchy level");
  CHECK(pi::decode_new_mailbox_name("a//").error().message == "Mailbox name has an empty hierarchy level");
  CHECK(pi::decode_new_mailbox_name("a*").error().message == "Wildcards * and % are not allowed in mailbox names");
  CHECK(pi::decode_new_mailbox_name("a%b").error().message == "Wildcards * and % are not allowed in mailbox names");
  std::string deep;
  for (size_t i = 0; i < pi::kMaxMailboxDepth; ++i) deep += (i ? "/x" : "x");
  CHECK(pi::decode_new_mailbox_name(deep));
  CHECK_FALSE(pi::decode_new_mailbox_name(deep + "/x"));
  CHECK(pi::superior_names("a/b/c") == std::vector<std::string>{"a", "a/b"});
  CHECK(pi::superior_names("a").empty());
}

TEST_CASE("list patterns join the reference and the pattern") {
  CHECK(*pi::decode_list_pattern("", "inbox*") == "inbox*");  // the matcher folds INBOX
  CHECK(*pi::decode_list_pattern("Work/", "%") == "Work/%");
  CHECK(*pi::decode_list_pattern("Work/", "/%") == "Work/%");
  CHECK(*pi::decode_list_pattern("Work", "%") == "Work%");
  CHECK(*pi::decode_list_pattern("", "Caf&AOk-*") == "Caf\xc3\xa9*");
  CHECK_FALSE(pi::decode_list_pattern("", "&Jjo"));
  CHECK_FALSE(pi::decode_list_pattern("", std::string(pi::kMaxListPattern + 1, '%')));
}

TEST_CASE("STATUS, NAMESPACE, ID and ENABLED responses") {
  std::string out;
  using I = pi::CmdStatus::Item;
  std::vector<I> items = {I::unseen, I::messages, I::uidnext, I::uidvalidity, I::recent, I::highestmodseq};
  pi::MailboxStatus st{3, 0, 10, 77, 1, 12};
  pi::StatusDataResponse{"Caf\xc3\xa9 x", items, st}.serialize(&out);
  CHECK(out == "* STATUS \"Caf&AOk- x\" (UNSEEN 1 MESSAGES 3 UIDNEXT 10 UIDVALIDITY 77 RECENT 0 HIGHESTMODSEQ 12)\r\n");
  out.clear();
  pi::NamespaceResponse{}.serialize(&out);
  CHECK(out == "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
  out.clear();
  std::vector<std::pair<std::string, std::string>> fields = {{"name", "Loft"}};
  pi::IdResponse{fields}.serialize(&out);
  CHECK(out == "* ID (\"name\" \"Loft\")\r\n");
  out.clear();
  std::vector<std::string> caps = {"CONDSTORE"};
  pi::EnabledResponse{caps}.serialize(&out);
  CHECK(out == "* ENABLED CONDSTORE\r\n");
  CHECK(pi::special_use_from_name("\\drafts") == pi::kSpecialDrafts);
  CHECK(pi::special_use_from_name("\\Important") == 0);
}

TEST_CASE("LIST on an account with 20,000 mailboxes stays fast") {
  std::vector<pi::MailboxEntry> boxes;
  for (int a = 0; a < 20; ++a)
    for (int b = 0; b < 1000; ++b) boxes.push_back({"folder" + std::to_string(a) + "/sub" + std::to_string(b), 0});
  std::vector<std::string> subs;
  for (int a = 0; a < 20; ++a) subs.push_back("folder" + std::to_string(a) + "/sub7");
  CmdList c;
  std::vector<std::string> pats = {"*"};
  auto start = std::chrono::steady_clock::now();
  auto all = pi::list_mailboxes(c, pats, boxes, subs);
  pats = {"%"};
  auto top = pi::list_mailboxes(c, pats, boxes, subs);
  std::string pathological;
  for (int i = 0; i < 200; ++i) pathological += "%*";
  pats = {pathological + "x"};
  auto none = pi::list_mailboxes(c, pats, boxes, subs);
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("three LISTs over 20,000 mailboxes: " << ms << " ms");
  CHECK(all.size() == 20020);  // and the 20 \Noselect superiors
  CHECK(top.size() == 20);
  CHECK(top[0].attrs == (pi::kAttrNoselect | pi::kAttrHasChildren));
  CHECK(none.empty());
  CHECK(ms < 3000);
}

}  // namespace protocol_imap_mailbox_list_test

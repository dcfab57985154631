// RFC 6855 UTF8=ACCEPT at the codec: mailbox names in both wire forms, the
// responses that carry names, the ENABLE table and the charset rules.
#include <doctest/doctest.h>

#include <string>

#include "protocol/imap/enable.h"
#include "protocol/imap/mailbox_name.h"
#include "protocol/imap/mailbox_response.h"
#include "imap_test_util.h"
#include "protocol/imap/utf8_accept.h"

namespace protocol_imap_utf8_accept_test {

namespace pi = loft::proto::imap;
using pi::NameForm;

TEST_CASE("a UTF-8 session's names are taken as sent, a legacy session's as modified UTF-7") {
  auto legacy = pi::decode_mailbox_name("&AOk-t&AOk-", NameForm::mutf7);
  REQUIRE(legacy.ok());
  CHECK(*legacy == "\xc3\xa9t\xc3\xa9");  // "été"
  auto utf8 = pi::decode_mailbox_name("\xc3\xa9t\xc3\xa9", NameForm::utf8);
  REQUIRE(utf8.ok());
  CHECK(*utf8 == "\xc3\xa9t\xc3\xa9");
  // RFC 6855 §3: after ENABLE, "&" is an ordinary character, not a shift.
  auto amp = pi::decode_mailbox_name("&AOk-", NameForm::utf8);
  REQUIRE(amp.ok());
  CHECK(*amp == "&AOk-");
  // A raw 8-bit name is not modified UTF-7.
  CHECK(!pi::decode_mailbox_name("\xc3\xa9t\xc3\xa9", NameForm::mutf7).ok());
  // INBOX stays case-insensitive in both forms.
  CHECK(*pi::decode_mailbox_name("inbox/\xc3\xa9", NameForm::utf8) == "INBOX/\xc3\xa9");
}

TEST_CASE("a UTF-8 name must be valid UTF-8 without controls or line/paragraph separators (RFC 6855 §3)") {
  CHECK(!pi::decode_mailbox_name("\xc3", NameForm::utf8).ok());          // truncated
  CHECK(!pi::decode_mailbox_name("\xc0\xaf", NameForm::utf8).ok());      // overlong "/"
  CHECK(!pi::decode_mailbox_name("\xed\xa0\x80", NameForm::utf8).ok());  // surrogate
  CHECK(!pi::decode_mailbox_name("a\x7f", NameForm::utf8).ok());         // DEL
  CHECK(!pi::decode_mailbox_name("a\xc2\x85", NameForm::utf8).ok());     // U+0085 (C1)
  CHECK(!pi::decode_mailbox_name("a\xe2\x80\xa8", NameForm::utf8).ok()); // U+2028
  CHECK(!pi::decode_mailbox_name("a\xe2\x80\xa9", NameForm::utf8).ok()); // U+2029
  CHECK(pi::decode_mailbox_name("a\xc2\xa0", NameForm::utf8).ok());      // U+00A0 is fine
  CHECK(pi::decode_mailbox_name("\xf0\x9f\x93\xab", NameForm::utf8).ok());  // U+1F4EB
  // New names: the same hierarchy rules as the legacy form.
  CHECK(!pi::decode_new_mailbox_name("\xc3\xa9//x", NameForm::utf8).ok());
  CHECK(!pi::decode_new_mailbox_name("\xc3\xa9*", NameForm::utf8).ok());
  CHECK(*pi::decode_new_mailbox_name("\xc3\xa9/", NameForm::utf8) == "\xc3\xa9");
}

TEST_CASE("LIST patterns are decoded in the session's form") {
  CHECK(*pi::decode_list_pattern("&AOk-/", "%", NameForm::mutf7) == "\xc3\xa9/%");
  CHECK(*pi::decode_list_pattern("\xc3\xa9/", "%", NameForm::utf8) == "\xc3\xa9/%");
  CHECK(*pi::decode_list_pattern("&AOk-/", "%", NameForm::utf8) == "&AOk-/%");
  CHECK(!pi::decode_list_pattern("", "\xc3", NameForm::utf8).ok());
}

TEST_CASE("names leave as a UTF-8 quoted string only in a UTF-8 session") {
  std::string out;
  pi::append_mailbox_name(&out, "\xc3\xa9t\xc3\xa9", NameForm::utf8);
  CHECK(out == "\"\xc3\xa9t\xc3\xa9\"");
  out.clear();
  pi::append_mailbox_name(&out, "\xc3\xa9t\xc3\xa9", NameForm::mutf7);
  CHECK(out == "&AOk-t&AOk-");
  out.clear();
  pi::append_mailbox_name(&out, "a \"b\"", NameForm::utf8);
  CHECK(out == "\"a \\\"b\\\"\"");
  out.clear();
  pi::append_mailbox_name(&out, "&", NameForm::utf8);
  CHECK(out == "&");
  out.clear();
  pi::append_mailbox_name(&out, "&", NameForm::mutf7);
  CHECK(out == "&-");
  CHECK(pi::encode_mailbox_name("\xc3\xa9", NameForm::utf8) == "\xc3\xa9");
  CHECK(pi::encode_mailbox_name("\xc3\xa9", NameForm::mutf7) == "&AOk-");
}

TEST_CASE("LIST and STATUS responses carry the name in the session's form") {
  pi::ListItem item;
  item.name = "Archiv/\xc3\x9c" "bersicht";
  item.attrs = pi::kAttrHasNoChildren;
  std::string out;
  pi::ListResponse{pi::CmdList::Kind::list, &item, NameForm::utf8}.serialize(&out);
  CHECK(out == "* LIST (\\HasNoChildren) \"/\" \"Archiv/\xc3\x9c" "bersicht\"\r\n");
  out.clear();
  pi::ListResponse{pi::CmdList::Kind::list, &item}.serialize(&out);
  CHECK(out == "* LIST (\\HasNoChildren) \"/\" Archiv/&ANw-bersicht\r\n");
  out.clear();
  pi::CmdStatus::Item items[] = {pi::CmdStatus::Item::messages};
  pi::MailboxStatus st;
  st.messages = 3;
  pi::StatusDataResponse{"\xc3\xa9", items, st, NameForm::utf8}.serialize(&out);
  CHECK(out == "* STATUS \"\xc3\xa9\" (MESSAGES 3)\r\n");
}

TEST_CASE("ENABLE knows UTF8=ACCEPT and IMAP4rev2") {
  CHECK(pi::enable_bit("UTF8=ACCEPT") == pi::kEnableUtf8Accept);
  CHECK(pi::enable_bit("IMAP4REV2") == pi::kEnableImap4rev2);
  CHECK(pi::enable_bit("UTF8=ONLY") == 0);  // not offered
}

TEST_CASE("after UTF8=ACCEPT a SEARCH names no charset and SORT/THREAD only UTF-8 (RFC 6855 §3, erratum 4029)") {
  CHECK(!pi::utf8_accept_charset_conflict(std::nullopt, false));
  CHECK(pi::utf8_accept_charset_conflict("UTF-8", false));
  CHECK(pi::utf8_accept_charset_conflict("US-ASCII", false));
  CHECK(!pi::utf8_accept_charset_conflict("utf-8", true));
  CHECK(pi::utf8_accept_charset_conflict("US-ASCII", true));
}

namespace {

// The events of in fed whole and one byte at a time (both must agree).
std::vector<std::string> events_bytewise(const std::string& in) {
  std::vector<std::string> whole = pi::test::feed_all(in);
  pi::Parser p;
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(std::string_view(in).substr(i, 1));
  CHECK(pi::test::feed_chunks(p, bytes) == whole);
  return whole;
}

// The APPEND of the first message_start event of in.
std::optional<pi::CmdAppend> append_of(std::string_view in) {
  pi::Parser p;
  for (int i = 0; i < 8 && !in.empty(); ++i) {
    pi::ParseEvent ev = p.feed(&in);
    if (ev.kind == pi::ParseEvent::Kind::message_start) return std::get<pi::CmdAppend>(ev.command->body);
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("APPEND takes its message as UTF8 (literal8) and streams it (RFC 6855 §4)") {
  using V = std::vector<std::string>;
  const std::string msg("Subject: \xc3\xa9t\xc3\xa9\r\n\r\nx\0y", 21);
  std::string in = "a APPEND INBOX (\\Seen) UTF8 (~{" + std::to_string(msg.size()) + "+}\r\n" + msg + ")\r\nb NOOP\r\n";
  V ev = events_bytewise(in);
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].rfind("START a APPEND [INBOX] (\\Seen)", 0) == 0);
  CHECK(ev[1] == "DATA " + msg);
  CHECK(ev[2] == "END");
  CHECK(ev[3] == "b NOOP");
  auto cmd = append_of(in);
  REQUIRE(cmd);
  CHECK(cmd->utf8);
  CHECK(cmd->message_size == msg.size());
  CHECK(!append_of("a APPEND INBOX {1+}\r\nx\r\n")->utf8);
  // Lower case and a synchronising literal8 work too.
  auto sync = append_of("a APPEND INBOX utf8 (~{1}\r\n");
  REQUIRE(sync);
  CHECK(sync->utf8);
  CHECK(sync->sync);
}

TEST_CASE("a UTF8 data item without its parenthesis is refused") {
  using V = std::vector<std::string>;
  V unclosed = events_bytewise("a APPEND INBOX UTF8 (~{1+}\r\nx\r\nb NOOP\r\n");
  REQUIRE(unclosed.size() == 4);
  CHECK(unclosed[2].find("closing parenthesis") != std::string::npos);
  CHECK(unclosed[3] == "b NOOP");
  V extra = events_bytewise("a APPEND INBOX UTF8 (~{1+}\r\nx) junk\r\nb NOOP\r\n");
  REQUIRE(extra.size() == 4);
  CHECK(extra[2].find("Unexpected arguments") != std::string::npos);
}

TEST_CASE("APPEND takes a bare literal8 as a binary message (RFC 3516 §4.4), also in MULTIAPPEND") {
  using V = std::vector<std::string>;
  const std::string bin("a\0b", 3);
  V bare = events_bytewise("a APPEND INBOX ~{3+}\r\n" + bin + "\r\nb NOOP\r\n");
  REQUIRE(bare.size() == 4);
  CHECK(bare[0].rfind("START a APPEND [INBOX]", 0) == 0);
  CHECK(bare[1] == "DATA " + bin);
  CHECK(bare[2] == "END");
  auto cmd = append_of("a APPEND INBOX ~{3}\r\n");
  REQUIRE(cmd);
  CHECK(!cmd->utf8);
  CHECK(cmd->sync);
  V multi = events_bytewise("a APPEND INBOX {1+}\r\nx (\\Seen) ~{3+}\r\n" + bin + "\r\nb NOOP\r\n");
  // START, DATA, then the second message's START, DATA, END, and the next command.
  REQUIRE(multi.size() == 6);
  CHECK(multi[2].rfind("START a APPEND [INBOX] (\\Seen)", 0) == 0);
  CHECK(multi[3] == "DATA " + bin);
  CHECK(multi[5] == "b NOOP");
  // Outside APPEND a literal8 is still refused.
  V login = events_bytewise("a LOGIN ~{1}\r\nb NOOP\r\n");
  REQUIRE(login.size() == 2);
  CHECK(login[0].find("Literal8") != std::string::npos);
}

}  // namespace protocol_imap_utf8_accept_test

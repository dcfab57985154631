// The small RFC extensions of one slice: UNAUTHENTICATE (RFC 8437), and the
// FETCH items and SEARCH keys of OBJECTID (RFC 8474), SAVEDATE (RFC 8514)
// and PREVIEW (RFC 8970): parsing, also fed one byte at a time.
#include <doctest/doctest.h>

#include "imap_test_util.h"
#include "protocol/imap/command_table.h"
#include "protocol/imap/mailbox_response.h"
#include "protocol/imap/object_id.h"
#include "protocol/imap/preview.h"
#include "protocol/imap/search_eval.h"
#include "protocol/mime/parser.h"

namespace protocol_imap_object_ext_test {

namespace pi = loft::proto::imap;
using loft::proto::imap::test::parse;

namespace {

// The events of `line` fed one byte at a time, joined: the same as whole.
std::string parse_bytewise(const std::string& line) {
  pi::Parser p(pi::ParserLimits{});
  std::vector<std::string_view> chunks;
  std::string input = line + "\r\n";
  for (size_t i = 0; i < input.size(); ++i) chunks.push_back(std::string_view(input).substr(i, 1));
  auto events = pi::test::feed_chunks(p, chunks);
  std::string out;
  for (const auto& e : events) out += (out.empty() ? "" : " | ") + e;
  return out;
}

}  // namespace

TEST_CASE("UNAUTHENTICATE takes no argument and is valid after login only (RFC 8437 §3)") {
  CHECK(parse("u UNAUTHENTICATE") == "u UNAUTHENTICATE");
  CHECK(parse("u unauthenticate") == "u UNAUTHENTICATE");
  CHECK(parse("u UNAUTHENTICATE now") == "BAD u Unexpected extra arguments");
  CHECK(parse_bytewise("u UNAUTHENTICATE") == "u UNAUTHENTICATE");
  auto r = pi::parse_command("u UNAUTHENTICATE", pi::ParserLimits{});
  REQUIRE(r.command);
  const auto& info = pi::command_info(r.command->body);
  CHECK(info.states == (pi::kAuthenticated | pi::kSelected));
  CHECK_FALSE(info.uses_msn);
}

TEST_CASE("EMAILID, THREADID, SAVEDATE and PREVIEW are FETCH items; PREVIEW takes (LAZY)") {
  CHECK(parse("f FETCH 1 (EMAILID THREADID SAVEDATE)") == "f FETCH 1 (EMAILID THREADID SAVEDATE)");
  CHECK(parse("f FETCH 1 emailid") == "f FETCH 1 (EMAILID)");
  CHECK(parse("f FETCH 1 (PREVIEW UID)") == "f FETCH 1 (PREVIEW UID)");
  CHECK(parse("f FETCH 1 (PREVIEW (LAZY) UID)") == "f FETCH 1 (PREVIEW (LAZY) UID)");
  CHECK(parse("f FETCH 1 PREVIEW (lazy)") == "f FETCH 1 (PREVIEW (LAZY))");
  // A list after PREVIEW that is not its modifiers is the FETCH modifiers (RFC 7162).
  CHECK(parse("f FETCH 1 PREVIEW (CHANGEDSINCE 5)") == "f FETCH 1 (PREVIEW) CHANGEDSINCE 5");
  CHECK(parse("f FETCH 1 (PREVIEW (LAZYX))") == "BAD f Unknown PREVIEW modifier");
  CHECK(parse("f FETCH 1 (PREVIEW (LAZY)") != "f FETCH 1 (PREVIEW (LAZY))");
  CHECK(parse("f FETCH 1 EMAILIDS") == "BAD f Invalid FETCH item");
  CHECK(parse_bytewise("f UID FETCH 1:* (PREVIEW (LAZY) EMAILID SAVEDATE)") ==
        "f UID FETCH 1:* (PREVIEW (LAZY) EMAILID SAVEDATE)");
}

TEST_CASE("SEARCH EMAILID and THREADID take an objectid; the SAVED keys take dates (RFC 8474 §6, RFC 8514 §4.2)") {
  CHECK(parse("s SEARCH EMAILID M-a_9") == "s SEARCH AND (EMAILID [M-a_9])");
  CHECK(parse("s SEARCH THREADID T1") == "s SEARCH AND (THREADID [T1])");
  CHECK(parse("s SEARCH EMAILID \"M1\"").rfind("BAD s ", 0) == 0);  // an atom only
  CHECK(parse("s SEARCH EMAILID M.1") == "BAD s Invalid object id");
  CHECK(parse("s SEARCH EMAILID " + std::string(256, 'a')) == "BAD s Invalid object id");
  CHECK(parse("s SEARCH EMAILID " + std::string(255, 'a')) == "s SEARCH AND (EMAILID [" + std::string(255, 'a') + "])");
  CHECK(parse("s SEARCH SAVEDBEFORE 2-Jan-1970 SAVEDON 1-Jan-1970 SAVEDSINCE 1-Jan-1970 SAVEDATESUPPORTED") ==
        "s SEARCH AND (SAVEDBEFORE 1 SAVEDON 0 SAVEDSINCE 0 SAVEDATESUPPORTED)");
  CHECK(parse("s SEARCH SAVEDON 32-Jan-2020") == "BAD s Invalid search date");
  CHECK(parse_bytewise("s UID SEARCH OR EMAILID M1 SAVEDSINCE 1-Jan-1970") ==
        "s UID SEARCH AND (OR (EMAILID [M1] SAVEDSINCE 0))");
}

TEST_CASE("the saved keys compare the save date by UTC day; an unknown save date matches none") {
  auto program = [](const std::string& text) {
    auto r = pi::parse_command("t SEARCH " + text, pi::ParserLimits{});
    REQUIRE(r.command);
    return std::get<pi::CmdSearch>(r.command->body).program;
  };
  pi::SearchView view{1, 1, 0};
  pi::SearchFacts m;
  m.seq = m.uid = 1;
  m.internal_date = 0;             // 1-Jan-1970
  m.save_date = 86400 * 2 + 3600;  // 3-Jan-1970 01:00 UTC
  CHECK(pi::search_matches(program("SAVEDON 3-Jan-1970"), m, view, nullptr));
  CHECK_FALSE(pi::search_matches(program("SAVEDON 1-Jan-1970"), m, view, nullptr));
  CHECK(pi::search_matches(program("ON 1-Jan-1970"), m, view, nullptr));
  CHECK(pi::search_matches(program("SAVEDBEFORE 4-Jan-1970"), m, view, nullptr));
  CHECK_FALSE(pi::search_matches(program("SAVEDBEFORE 3-Jan-1970"), m, view, nullptr));
  CHECK(pi::search_matches(program("SAVEDSINCE 3-Jan-1970"), m, view, nullptr));
  CHECK_FALSE(pi::search_matches(program("SAVEDSINCE 4-Jan-1970"), m, view, nullptr));
  CHECK(pi::search_matches(program("SAVEDATESUPPORTED"), m, view, nullptr));
  m.save_date.reset();
  CHECK_FALSE(pi::search_matches(program("SAVEDSINCE 1-Jan-1970"), m, view, nullptr));
  CHECK_FALSE(pi::search_matches(program("SAVEDBEFORE 1-Jan-2100"), m, view, nullptr));
  CHECK(pi::search_matches(program("NOT SAVEDON 3-Jan-1970"), m, view, nullptr));
  CHECK(pi::search_matches(program("SAVEDATESUPPORTED"), m, view, nullptr));
  m.email_id = "Mabc";
  CHECK(pi::search_matches(program("EMAILID Mabc"), m, view, nullptr));
  CHECK_FALSE(pi::search_matches(program("EMAILID mabc"), m, view, nullptr));  // ids are case-sensitive
  CHECK_FALSE(pi::search_matches(program("THREADID Mabc"), m, view, nullptr));
  CHECK(pi::search_cost(program("EMAILID M1")) == pi::SearchCost::record);
  CHECK(pi::search_cost(program("SAVEDON 1-Jan-1970")) == pi::SearchCost::record);
  CHECK(pi::search_cost(program("SAVEDATESUPPORTED")) == pi::SearchCost::view);
}

TEST_CASE("object ids are valid RFC 8474 ids, stable, and differ by kind, account, object and key") {
  const std::string key(16, 'k'), other_key(16, 'o');
  std::string mb = pi::mailbox_object_id(key, 1, 2);
  std::string em = pi::email_object_id(key, 1, 2);
  CHECK(mb.size() == 23);
  CHECK(mb[0] == 'F');
  CHECK(em[0] == 'M');
  CHECK(pi::is_object_id(mb));
  CHECK(pi::is_object_id(em));
  CHECK(pi::mailbox_object_id(key, 1, 2) == mb);
  CHECK(mb.substr(1) != em.substr(1));
  CHECK(pi::mailbox_object_id(key, 1, 3) != mb);
  CHECK(pi::mailbox_object_id(key, 2, 2) != mb);
  CHECK(pi::mailbox_object_id(other_key, 1, 2) != mb);
  CHECK(pi::email_object_id(key, 2, 2) != em);  // the same body in another account
  CHECK_FALSE(pi::is_object_id(""));
  CHECK_FALSE(pi::is_object_id("a+b"));
  CHECK_FALSE(pi::is_object_id(std::string(256, 'a')));
}

TEST_CASE("STATUS takes MAILBOXID and answers it in parentheses (RFC 8474 §4.2)") {
  CHECK(parse("a STATUS INBOX (MESSAGES mailboxid)") == "a STATUS [INBOX] MESSAGES MAILBOXID");
  std::vector<pi::CmdStatus::Item> items = {pi::CmdStatus::Item::mailboxid};
  pi::MailboxStatus st;
  st.mailboxid = "Fabc";
  std::string out;
  pi::StatusDataResponse{"INBOX", items, st}.serialize(&out);
  CHECK(out == "* STATUS INBOX (MAILBOXID (Fabc))\r\n");
  std::string code;
  pi::StatusResponse{"*", pi::Status::ok, pi::mailboxid_code("Fabc"), "Ok"}.serialize(&code);
  CHECK(code == "* OK [MAILBOXID (Fabc)] Ok\r\n");
}

namespace {
// The PREVIEW of a whole message, reading from it as the store would.
std::string preview_of(const std::string& msg, uint64_t* read_bytes = nullptr) {
  auto s = loft::proto::mime::parse(msg);
  auto r = pi::make_preview(s, [&](uint64_t off, uint64_t len) -> loft::Result<std::string> {
    if (read_bytes) *read_bytes += len;
    return msg.substr(std::min<uint64_t>(off, msg.size()), len);
  });
  REQUIRE(r.ok());
  return *r;
}
}  // namespace

TEST_CASE("PREVIEW: the first text/plain part, decoded, white space collapsed (RFC 8970 §3)") {
  CHECK(preview_of("Subject: x\r\n\r\n  Hello,\r\n\r\n   world\t!  \r\n") == "Hello, world !");
  CHECK(preview_of("Subject: x\r\n\r\n \r\n\r\n") == "");  // no text: empty, as Dovecot
  // Quoted-printable in ISO-8859-1.
  CHECK(preview_of("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n"
                   "\r\nCaf=E9 cr=E8me=\r\n br=FBl=E9e\r\n") == "Caf\xc3\xa9 cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e");
  // Base64 UTF-8.
  CHECK(preview_of("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                   "R3LDvMOfZSBhdXMgQmVybGlu\r\n") == "Gr\xc3\xbc\xc3\x9f" "e aus Berlin");
  // multipart/alternative: the plain part, not the html one.
  std::string alt =
      "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n--b--\r\n";
  CHECK(preview_of(alt) == "plain text");
  // Only html: reduced to text, head/style/script dropped, entities decoded.
  std::string html =
      "Content-Type: text/html; charset=utf-8\r\n\r\n<html><head><title>T</title><style>p{x:y}</style></head>"
      "<body><p>Fish&nbsp;&amp;&#32;chips</p><script>bad()</script><br>&lt;3 &#x263A;<!-- c --></body></html>\r\n";
  CHECK(preview_of(html) == "Fish\xc2\xa0& chips <3 \xe2\x98\xba");  // &nbsp; is U+00A0, as Dovecot
  // An attachment and an encapsulated message are not the message's text.
  std::string att =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n"
      "Content-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\n\r\ninner text\r\n--b--\r\n";
  CHECK(preview_of(att) == "");
}

TEST_CASE("PREVIEW is at most 200 characters, never splits a character, and reads a bounded part") {
  std::string body;
  for (int i = 0; i < 100000; ++i) body += "\xc3\xa9 ";  // "é " many times
  uint64_t read = 0;
  auto p = preview_of("Content-Type: text/plain; charset=utf-8\r\n\r\n" + body, &read);
  CHECK(p.size() <= 2 * pi::kPreviewChars);
  size_t chars = 0;
  for (unsigned char c : p) chars += (c & 0xC0) != 0x80;
  CHECK(chars <= pi::kPreviewChars);
  CHECK(chars >= pi::kPreviewChars - 1);
  CHECK(p.substr(p.size() - 2) == "\xc3\xa9");
  CHECK(read <= pi::kPreviewReadBytes);
  CHECK(pi::collapse_preview("a\x01 b", 10) == "a b");
  CHECK(pi::collapse_preview("abcdef", 3) == "abc");
}

}  // namespace protocol_imap_object_ext_test

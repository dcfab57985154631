// RFC 5092 message URLs as CATENATE takes them (protocol/imap/imap_url.h):
// the RFC's own examples, percent-encoding, dot-segments, and every form that
// must be refused (relative paths, other schemes, URLAUTH, lists, bad numbers).
#include <doctest/doctest.h>

#include "imap_test_util.h"
#include "protocol/imap/imap_url.h"

namespace protocol_imap_url_test {

using namespace loft::proto::imap;
using namespace loft::proto::imap::test;

// The URL as "server|user|host|port mailbox uv uid [section]<o.l>", or "ERR reason".
std::string url(std::string_view text) {
  auto u = parse_message_url(text);
  if (!u) return "ERR " + u.error().message;
  std::string s = u->has_server ? "server|" + u->user + "|" + u->host + "|" +
                                      (u->port ? std::to_string(*u->port) : std::string("-")) + " "
                                : std::string();
  s += u->mailbox + " " + (u->uidvalidity ? std::to_string(*u->uidvalidity) : std::string("-")) + " " +
       std::to_string(u->uid) + " ";
  std::string section = describe(u->section);  // "BODY.PEEK[...]"
  s += section.substr(section.find('['));
  if (u->partial_offset)
    s += "<" + std::to_string(*u->partial_offset) + (u->partial_length ? "." + std::to_string(*u->partial_length) : "") +
         ">";
  return s;
}

TEST_CASE("the message URLs of RFC 5092 §9 and RFC 4469 Appendix A parse") {
  CHECK(url("imap://minbari.example.org/gray-council;UIDVALIDITY=385759045/;UID=20/;PARTIAL=0.1024") ==
        "server||minbari.example.org|- gray-council 385759045 20 []<0.1024>");
  CHECK(url("imap://;AUTH=GSSAPI@minbari.example.org/gray-council/;uid=20/;section=1.2") ==
        "server||minbari.example.org|- gray-council - 20 [1.2]");
  CHECK(url("/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER") == "Drafts 385759045 20 [HEADER]");
  CHECK(url("/Drafts;UIDVALIDITY=385759045/;UID=20/;Section=2.MIME") == "Drafts 385759045 20 [2.MIME]");
  CHECK(url("/INBOX;UIDVALIDITY=785799047/;UID=113330/;section=1.5.9") == "INBOX 785799047 113330 [1.5.9]");
  CHECK(url("/Drafts;UIDVALIDITY=385759045/;UID=30") == "Drafts 385759045 30 []");
}

TEST_CASE("sections, partial ranges, users, ports and percent-encoding") {
  CHECK(url("/INBOX/;UID=1/;SECTION=TEXT/;PARTIAL=10") == "INBOX - 1 [TEXT]<10>");
  CHECK(url("/INBOX/;UID=1/;PARTIAL=0.5") == "INBOX - 1 []<0.5>");
  CHECK(url("/INBOX/;UID=1/;SECTION=HEADER.FIELDS%20(Subject%20FROM)") == "INBOX - 1 [HEADER.FIELDS (Subject FROM)]");
  CHECK(url("/INBOX/;UID=1/;SECTION=2.HEADER.FIELDS.NOT%20(%22X-A%22)") == "INBOX - 1 [2.HEADER.FIELDS.NOT (X-A)]");
  // RFC 5092 §8: a mailbox name is UTF-8, percent-encoded.
  CHECK(url("/%E6%97%A5%E6%9C%AC/;UID=7") == "\xE6\x97\xA5\xE6\x9C\xAC - 7 []");
  CHECK(url("/a/b%2Fc%3Bd/;UID=7") == "a/b/c;d - 7 []");
  CHECK(url("/Sent%20Items;UIDVALIDITY=4/;UID=1") == "Sent Items 4 1 []");
  CHECK(url("IMAP://fred%40x@Mail.Example.org:143/INBOX/;UID=1") == "server|fred@x|Mail.Example.org|143 INBOX - 1 []");
  CHECK(url("imap://joe;AUTH=*@[::1]:993/INBOX/;UID=1") == "server|joe|[::1]|993 INBOX - 1 []");
  CHECK(url("//joe@host/INBOX/;UID=2") == "server|joe|host|- INBOX - 2 []");
  // RFC 3986 §5.2.4 dot-segments, as RFC 5092 §9.1 shows.
  CHECK(url("/a/../INBOX/./;UID=3") == "INBOX - 3 []");
  CHECK(url("/foo/;UID=20/..") == "ERR The URL names no message");
  CHECK(url("/..;UIDVALIDITY=385759045/;UID=20") == ".. 385759045 20 []");
}

TEST_CASE("URLs that name no message of this session are refused") {
  // RFC 5092 §7.2: relative-path references MUST NOT be accepted.
  CHECK(url(";UID=20") == "ERR Relative-path URLs are not accepted");
  CHECK(url("INBOX/;UID=20") == "ERR Relative-path URLs are not accepted");
  CHECK(url("") == "ERR Relative-path URLs are not accepted");
  CHECK(url("http://example.org/INBOX/;UID=1") == "ERR Only IMAP URLs name messages");
  CHECK(url("imap:/INBOX/;UID=1") == "ERR Invalid IMAP URL");
  // Servers, mailboxes and searches are no messages.
  CHECK(url("imap://psicorp.example.org/~peter/%E6%97%A5%E6%9C%AC%E8%AA%9E/%E5%8F%B0%E5%8C%97") ==
        "ERR The URL names no message");
  CHECK(url("imap://example.org") == "ERR The URL names no message");
  CHECK(url("/") == "ERR The URL names no message");
  CHECK(url("/INBOX") == "ERR The URL names no message");
  CHECK(url("/INBOX?SUBJECT%20x") == "ERR The URL names no message");
  CHECK(url("/INBOX/;UID=1#frag") == "ERR The URL names no message");
  CHECK(url("/INBOX;UID=1") == "ERR The URL names no message");  // RFC 2192's old form
  // URLAUTH (RFC 4467) is not offered.
  CHECK(url("imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:"
            "91354a473744909de610943775f92038") == "ERR URLAUTH is not supported (RFC 4467)");
  CHECK(url("/INBOX/;UID=1;EXPIRE=2030-01-01T00:00:00Z;URLAUTH=anonymous") == "ERR URLAUTH is not supported (RFC 4467)");
}

TEST_CASE("malformed numbers, sections, names and servers are refused") {
  CHECK(url("/INBOX/;UID=0") == "ERR Invalid UID in the URL");
  CHECK(url("/INBOX/;UID=01") == "ERR Invalid UID in the URL");
  CHECK(url("/INBOX/;UID=4294967296") == "ERR Invalid UID in the URL");
  CHECK(url("/INBOX/;UID=") == "ERR Invalid UID in the URL");
  CHECK(url("/INBOX;UIDVALIDITY=0/;UID=1") == "ERR Invalid UIDVALIDITY in the URL");
  CHECK(url("/INBOX;UIDVALIDITY=5;UID=1") == "ERR Invalid UIDVALIDITY in the URL");
  CHECK(url("/INBOX/;UID=1/;SECTION=") == "ERR Invalid section in the URL");
  CHECK(url("/INBOX/;UID=1/;SECTION=1.MIMEX").rfind("ERR Invalid section in the URL", 0) == 0);
  CHECK(url("/INBOX/;UID=1/;SECTION=MIME").rfind("ERR Invalid section in the URL", 0) == 0);  // MIME needs a part
  CHECK(url("/INBOX/;UID=1/;SECTION=0").rfind("ERR Invalid section in the URL", 0) == 0);
  CHECK(url("/INBOX/;UID=1/;PARTIAL=1.0") == "ERR Invalid PARTIAL in the URL");
  CHECK(url("/INBOX/;UID=1/;PARTIAL=x") == "ERR Invalid PARTIAL in the URL");
  CHECK(url("/INBOX/;UID=1/;PARTIAL=4294967296") == "ERR Invalid PARTIAL in the URL");
  CHECK(url("/INBOX/;UID=1/;PARTIAL=1/;SECTION=1") == "ERR Invalid PARTIAL in the URL");
  CHECK(url("/INBOX/;UID=1/x") == "ERR Invalid message URL");
  CHECK(url("/IN%2GBOX/;UID=1") == "ERR Invalid mailbox name in the URL");
  CHECK(url("/INBOX%/;UID=1") == "ERR Invalid mailbox name in the URL");
  CHECK(url("/IN BOX/;UID=1") == "ERR Invalid mailbox name in the URL");
  CHECK(url("/IN\"BOX/;UID=1") == "ERR Invalid mailbox name in the URL");
  CHECK(url("imap://@host/INBOX/;UID=1") == "ERR Invalid user information in the URL");
  CHECK(url("imap://joe;AUTH=@host/INBOX/;UID=1") == "ERR Invalid user information in the URL");
  CHECK(url("imap://joe@/INBOX/;UID=1") == "ERR Invalid host in the URL");
  CHECK(url("imap://joe@host:99999/INBOX/;UID=1") == "ERR Invalid port in the URL");
  CHECK(url("imap://joe@[::1/INBOX/;UID=1") == "ERR Invalid host in the URL");
}

TEST_CASE("BADURL echoes the URL with what resp-text cannot hold percent-encoded") {
  CHECK(badurl_text("/INBOX/;UID=1") == "/INBOX/;UID=1");
  CHECK(badurl_text("a]b\r\n\\c") == "a%5Db%0D%0A\\c");  // erratum 2002: "\" is allowed, "]" is not
  CHECK(badurl_text(std::string("x\0\xff", 3)) == "x%00%FF");
}

}  // namespace protocol_imap_url_test

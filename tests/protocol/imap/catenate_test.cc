// RFC 4469 CATENATE framing: a message given as "CATENATE (" parts ")" is
// reported as message_start (catenate), then its TEXT literals (streamed as
// message data) and URLs in order, then message_end or the next message,
// whatever the split of the input; malformed lists are BAD and the limits
// refuse the command (NO) without losing the stream.
#include <doctest/doctest.h>

#include "imap_test_util.h"

namespace protocol_imap_catenate_test {

using namespace loft::proto::imap;
using namespace loft::proto::imap::test;
using V = std::vector<std::string>;

TEST_CASE("CATENATE reports TEXT parts as streamed literals and URL parts in order") {
  CHECK(feed_every_way("a APPEND Drafts (\\Seen) CATENATE (TEXT {5}\r\nhello URL \"/INBOX/;UID=1\" TEXT {3+}\r\nxyz)"
                       "\r\nb NOOP\r\n") ==
        V{"START a APPEND [Drafts] (\\Seen) CATENATE", "TEXT {5}", "DATA hello", "URL /INBOX/;UID=1", "TEXT {3+}",
          "DATA xyz", "END", "b NOOP"});
  // Only URLs: the whole command is one line.
  CHECK(feed_every_way("a append INBOX catenate (url /INBOX/;UID=1 URL \"/Sent;UIDVALIDITY=7/;UID=2/;SECTION=1.MIME\")"
                       "\r\n") ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /INBOX/;UID=1", "URL /Sent;UIDVALIDITY=7/;UID=2/;SECTION=1.MIME",
          "END"});
  // A date, an empty TEXT, a literal mailbox name.
  CHECK(feed_every_way("a APPEND {6+}\r\nDrafts \"17-Jul-1996 02:44:25 -0700\" CATENATE (TEXT {0}\r\n)\r\n") ==
        V{"START a APPEND [Drafts] () date=837596665/-420 CATENATE", "TEXT {0}", "END"});
}

TEST_CASE("a URL may be a literal, synchronising or not") {
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL {13}\r\n/INBOX/;UID=1 URL {13+}\r\n/INBOX/;UID=2)\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () CATENATE", "+13", "URL /INBOX/;UID=1", "URL /INBOX/;UID=2", "END", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL \"/a/;UID=1\" URL {9}\r\n/b/;UID=2 TEXT {1}\r\nx)\r\n") ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /a/;UID=1", "+9", "URL /b/;UID=2", "TEXT {1}", "DATA x", "END"});
}

TEST_CASE("RFC 4469 Appendix A example 1 frames as the RFC shows it") {
  const std::string boundary = "\r\n--------------030308070208000400050907\r\n";
  std::string in = "A003 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL "
                   "\"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER\" TEXT {42}\r\n" +
                   boundary + " URL \"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME\" URL "
                   "\"/Drafts;UIDVALIDITY=385759045/;UID=20/;section=1\" TEXT {42}\r\n" +
                   boundary + " URL \"/Drafts;UIDVALIDITY=385759045/;UID=30\" TEXT {44}\r\n\r\n"
                   "--------------030308070208000400050907--\r\n)\r\n";
  CHECK(feed_every_way(in) ==
        V{"START A003 APPEND [Drafts] (\\Seen \\Draft $MDNSent) CATENATE",
          "URL /Drafts;UIDVALIDITY=385759045/;UID=20/;section=HEADER", "TEXT {42}", "DATA " + boundary,
          "URL /Drafts;UIDVALIDITY=385759045/;UID=20/;section=1.MIME",
          "URL /Drafts;UIDVALIDITY=385759045/;UID=20/;section=1", "TEXT {42}", "DATA " + boundary,
          "URL /Drafts;UIDVALIDITY=385759045/;UID=30", "TEXT {44}",
          "DATA \r\n--------------030308070208000400050907--\r\n", "END"});
}

TEST_CASE("MULTIAPPEND mixes CATENATE lists and message literals (RFC 4469 §5, RFC 3502)") {
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL /x/;UID=1) (\\Flagged) CATENATE (TEXT {2+}\r\nhi) {3+}\r\nabc"
                       " CATENATE (URL /y/;UID=2)\r\nb NOOP\r\n") ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /x/;UID=1", "START a APPEND [INBOX] (\\Flagged) #1 CATENATE",
          "TEXT {2+}", "DATA hi", "START a APPEND [INBOX] () #2 {3+}", "DATA abc", "START a APPEND [INBOX] () #3 CATENATE",
          "URL /y/;UID=2", "END", "b NOOP"});
}

TEST_CASE("REPLACE takes one CATENATE message (RFC 8508 append-message)") {
  CHECK(feed_every_way("a UID REPLACE 7 Drafts CATENATE (URL /Drafts/;UID=7/;SECTION=HEADER TEXT {2}\r\nok)\r\n") ==
        V{"START a APPEND [Drafts] () uid-replace=7 CATENATE", "URL /Drafts/;UID=7/;SECTION=HEADER", "TEXT {2}",
          "DATA ok", "END"});
  CHECK(feed_every_way("a REPLACE 1 Drafts CATENATE (URL /a/;UID=1) {1+}\r\nx\r\nb NOOP\r\n") ==
        V{"START a APPEND [Drafts] () replace=1 CATENATE", "URL /a/;UID=1",
          "BAD a Unexpected arguments after the message", "b NOOP"});
}

TEST_CASE("a malformed CATENATE list is BAD and the next command is read") {
  auto bad = [](const std::string& args) {
    return feed_every_way("a APPEND INBOX " + args + "\r\nb NOOP\r\n");
  };
  CHECK(bad("CATENATE ()") == V{"START a APPEND [INBOX] () CATENATE", "BAD a CATENATE needs at least one part", "b NOOP"});
  CHECK(bad("CATENATE (TEXT \"abc\")") == V{"START a APPEND [INBOX] () CATENATE", "BAD a TEXT needs a literal", "b NOOP"});
  CHECK(bad("CATENATE (FOO \"abc\")") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a Invalid CATENATE part FOO", "b NOOP"});
  CHECK(bad("CATENATE (URL)") == V{"START a APPEND [INBOX] () CATENATE", "BAD a Expected a single space", "b NOOP"});
  CHECK(bad("CATENATE (URL (\"/a/;UID=1\"))") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a Invalid string", "b NOOP"});
  CHECK(bad("CATENATE (URL /a/;UID=1") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a CATENATE list without its closing parenthesis", "b NOOP"});
  CHECK(bad("CATENATE (URL /a/;UID=1  URL /b/;UID=2)") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a Invalid atom", "b NOOP"});
  CHECK(bad("CATENATE (URL /a/;UID=1) junk") ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /a/;UID=1", "BAD a Unexpected arguments after the message",
          "b NOOP"});
  CHECK(bad("CATENATE \"/a/;UID=1\"") == V{"BAD a CATENATE needs a parenthesised list of parts", "b NOOP"});
  CHECK(bad("CATENATE") == V{"BAD a CATENATE needs a parenthesised list of parts", "b NOOP"});
  // A bad line reports none of its parts: the URL before the error is not resolved.
  CHECK(bad("CATENATE (URL /a/;UID=1 TEXT x)") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a TEXT needs a literal", "b NOOP"});
  // The literal that ends a bad line: a LITERAL+ one is skipped with its line,
  // a synchronising one is never sent (RFC 3501 §7.5).
  CHECK(bad("CATENATE (FOO {3+}\r\nabc TEXT {1+}\r\nx)") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a Invalid CATENATE part FOO", "b NOOP"});
  CHECK(bad("CATENATE (URL /a/;UID=1 {3+}\r\nabc TEXT {1+}\r\nx)") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a A literal must follow TEXT or URL in CATENATE", "b NOOP"});
  CHECK(bad("CATENATE (URL ~{3}") ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a Literal8 not allowed for a URL", "b NOOP"});
  CHECK(bad("CATENATE (TEXT {2+}\r\nhi FOO)") ==
        V{"START a APPEND [INBOX] () CATENATE", "TEXT {2+}", "DATA hi", "BAD a Invalid CATENATE part FOO", "b NOOP"});
}

TEST_CASE("a TEXT literal refused by the session ends the command (RFC 4469 §3, RFC 3501 §7.5)") {
  Parser p;
  std::string_view in = "a APPEND INBOX CATENATE (URL /a/;UID=1 TEXT {5}\r\n";
  CHECK(describe(p.feed(&in)) == "START a APPEND [INBOX] () CATENATE");
  CHECK(describe(p.feed(&in)) == "URL /a/;UID=1");
  CHECK(describe(p.feed(&in)) == "TEXT {5}");
  CHECK(p.mid_command());
  p.reject_message();  // e.g. NO [BADURL ...] instead of "+": the client sends nothing more
  CHECK_FALSE(p.mid_command());
  in = "b NOOP\r\n";
  CHECK(describe(p.feed(&in)) == "b NOOP");
}

TEST_CASE("CATENATE limits: parts, TEXT bytes, messages, URL literals") {
  ParserLimits l;
  l.max_catenate_parts = 2;
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL /a/;UID=1 URL /a/;UID=2 URL /a/;UID=3)\r\nb NOOP\r\n", l) ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /a/;UID=1", "URL /a/;UID=2",
          "NO a [LIMIT] Too many CATENATE parts", "b NOOP"});
  // A LITERAL+ TEXT on the refused line is skipped with the rest of the command.
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL /a/;UID=1 URL /a/;UID=2 TEXT {3+}\r\nabc URL {1+}\r\nz)\r\n"
                       "b NOOP\r\n", l) ==
        V{"START a APPEND [INBOX] () CATENATE", "URL /a/;UID=1", "URL /a/;UID=2",
          "NO a [LIMIT] Too many CATENATE parts", "b NOOP"});
  ParserLimits t;
  t.max_literal = 10;
  t.max_append_total = 12;
  // RFC 4469 §4.2: the TEXT bytes of one message over the message limit.
  CHECK(feed_every_way("a APPEND INBOX CATENATE (TEXT {6}\r\n123456 TEXT {5}\r\nb NOOP\r\n", t) ==
        V{"START a APPEND [INBOX] () CATENATE", "TEXT {6}", "DATA 123456", "NO a [TOOBIG] Message too big", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX CATENATE (TEXT {6}\r\n123456) CATENATE (TEXT {4}\r\n1234 TEXT {3+}\r\nabc)\r\n"
                       "b NOOP\r\n", t) ==
        V{"START a APPEND [INBOX] () CATENATE", "TEXT {6}", "DATA 123456", "START a APPEND [INBOX] () #1 CATENATE",
          "TEXT {4}", "DATA 1234", "NO a [TOOBIG] The messages of this APPEND are too big together", "b NOOP"});
  // Past max_literal a LITERAL+ TEXT cannot be skipped safely: fatal.
  CHECK(feed_every_way("a APPEND INBOX CATENATE (TEXT {11+}\r\n" + std::string(11, 'x') + ")\r\n", t) ==
        V{"START a APPEND [INBOX] () CATENATE", "FATAL a [TOOBIG] Message too big"});
  ParserLimits m;
  m.max_append_messages = 1;
  CHECK(feed_every_way("a APPEND INBOX {1+}\r\nx CATENATE (URL /a/;UID=1)\r\nb NOOP\r\n", m) ==
        V{"START a APPEND [INBOX] () {1+}", "DATA x", "NO a [LIMIT] Too many messages in one APPEND", "b NOOP"});
  // A URL literal is bounded like any non-message literal (by the line limit).
  ParserLimits u;
  u.max_line = 64;
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL {65}\r\nb NOOP\r\n", u) ==
        V{"START a APPEND [INBOX] () CATENATE", "BAD a [TOOBIG] Literal too big", "b NOOP"});
  CHECK(feed_every_way("a APPEND INBOX CATENATE (URL {65+}\r\n" + std::string(65, 'u') + ")\r\n", u) ==
        V{"START a APPEND [INBOX] () CATENATE", "FATAL a [TOOBIG] Literal too big"});
  // An over-long line inside the list: BAD, the rest of the line skipped.
  CHECK(feed_every_way("a APPEND INBOX CATENATE (TEXT {1}\r\nx URL \"/" + std::string(70, 'm') + "\")\r\nb NOOP\r\n",
                       u) ==
        V{"START a APPEND [INBOX] () CATENATE", "TEXT {1}", "DATA x", "BAD a Line too long", "b NOOP"});
}

TEST_CASE("the parser holds one line of parts, not the TEXT bytes") {
  Parser p;
  std::string big(100000, 'x');
  std::string in = "a APPEND INBOX CATENATE (TEXT {100000+}\r\n" + big + " URL /a/;UID=1)\r\n";
  std::string_view v(in);
  size_t most = 0;
  std::vector<std::string> kinds;
  while (!v.empty()) {
    std::string_view piece = v.substr(0, 4096);
    v.remove_prefix(piece.size());
    while (true) {
      ParseEvent ev = p.feed(&piece);
      most = std::max(most, p.buffered());
      if (ev.kind == ParseEvent::Kind::need_more) break;
      if (ev.kind != ParseEvent::Kind::message_data) kinds.push_back(describe(ev));
    }
  }
  CHECK(kinds == V{"START a APPEND [INBOX] () CATENATE", "TEXT {100000+}", "URL /a/;UID=1", "END"});
  CHECK(most < 100);
}

}  // namespace protocol_imap_catenate_test

// BODY/TEXT over text/html parts (protocol/imap/search_text.h): the walk
// hands the HTML reducer each part's decoded UTF-8 and folds its output, so
// tags and entity names are not text and decoded references are.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "protocol/imap/search_text.h"

namespace protocol_imap_search_html_test {

using loft::proto::imap::TextScanner;
using loft::proto::imap::TextSink;

namespace {

// Every body text fed, with "|" at each boundary.
class Collect final : public TextSink {
 public:
  void feed(std::string_view folded) override { text.append(folded); }
  void boundary() override { text.push_back('|'); }
  std::string text;
};

// The body text of a raw message fed in two pieces cut at `cut`.
std::string body_text(std::string_view raw, size_t cut) {
  Collect body;
  TextScanner s(nullptr, &body);
  s.feed(raw.substr(0, cut));
  s.feed(raw.substr(cut));
  s.finish();
  return body.text;
}

// The body text, checked to be the same for every cut and byte-at-a-time.
std::string body_every_way(std::string_view raw) {
  std::string whole = body_text(raw, raw.size());
  for (size_t cut = 0; cut < raw.size(); ++cut) {
    CAPTURE(cut);
    CHECK(body_text(raw, cut) == whole);
  }
  Collect body;
  TextScanner s(nullptr, &body);
  for (char c : raw) s.feed(std::string_view(&c, 1));
  s.finish();
  CHECK(body.text == whole);
  return whole;
}

}  // namespace

TEST_CASE("a text/html part is searched as its text: tags out, references decoded, then folded") {
  const std::string msg =
      "Subject: html\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "<html><head><style>div { x: 1 }</style></head><body><div>Caf&eacute; =E0 la=\r\n"
      " <b>W</b>orld&nbsp;Cup</div><p>&Eacute;T&Eacute;<!-- secret --></p></body></html>\r\n";
  CHECK(body_every_way(msg) == "|café à la world cup été");
}

TEST_CASE("only text/html is reduced: text/plain and other text types keep their markup") {
  const std::string msg =
      "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\n<div>plain &amp;</div>\r\n"
      "--b\r\nContent-Type: TEXT/HTML ; charset=\"utf-8\"\r\n\r\n<div>html &amp;</div>\r\n"
      "--b\r\nContent-Type: text/htmlx\r\n\r\n<div>other</div>\r\n"
      "--b\r\nContent-Type: text/xml\r\n\r\n<div>xml</div>\r\n"
      "--b--\r\n";
  CHECK(body_every_way(msg) == "|<div>plain &amp;</div>\r\n|html &|<div>other</div>\r\n|<div>xml</div>\r\n");
}

TEST_CASE("html inside a base64 part of a nested message, and state never leaks between parts") {
  // "<p>unclosed <script>" then a second part: the first part's script ends with it.
  const std::string msg =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: message/rfc822\r\n\r\n"
      "Subject: inner\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "PHA+dW5jbG9zZWQgPHNjcmlwdD4=\r\n"
      "--o\r\nContent-Type: text/html\r\n\r\nnext &lt;part&gt;\r\n"
      "--o--\r\n";
  CHECK(body_every_way(msg) == "|unclosed|next <part>");
}

}  // namespace protocol_imap_search_html_test

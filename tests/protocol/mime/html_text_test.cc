// HTML reduced to text for SEARCH (protocol/mime/html_text.h): golden cases,
// every split point and byte-at-a-time feeding, character references,
// script/style/comments, malformed markup and the bounds on what is kept.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/mime/html_entities.h"
#include "protocol/mime/html_text.h"

namespace protocol_mime_html_text_test {

using loft::proto::mime::html_entity;
using loft::proto::mime::html_entity_count;
using loft::proto::mime::html_to_text;
using loft::proto::mime::HtmlText;

namespace {

// The text of html fed in pieces of `step` bytes.
std::string reduce(std::string_view html, size_t step) {
  HtmlText r;
  std::string out;
  for (size_t i = 0; i < html.size(); i += step) r.feed(html.substr(i, step), &out);
  r.finish(&out);
  return out;
}

// The text of html fed as two pieces cut at `cut`.
std::string reduce_cut(std::string_view html, size_t cut) {
  HtmlText r;
  std::string out;
  r.feed(html.substr(0, cut), &out);
  r.feed(html.substr(cut), &out);
  r.finish(&out);
  return out;
}

struct Golden {
  const char* html;
  const char* text;
};

const Golden kGolden[] = {
    {"<html><head><title>Hi there</title></head><body><p>Hello <b>W</b>orld</p></body></html>",
     "Hi there Hello World"},
    {"<div>one</div><div>two</div>three<br>four<br/>five", "one two three four five"},
    {"<table><tr><td>a</td><td>b</td></tr></table>", "a b"},
    {"<ul><li>x<li>y</ul><h1>z</h1><h6>w</h6>", "x y z w"},
    {"a <span>b</span>c <i>d</i>", "a bc d"},
    {"  lots \r\n\t of\n\n  space  ", "lots of space"},
    {"caf&eacute; &Eacute;T&Eacute; &amp; &lt;tag&gt; &quot;q&quot; &apos;s&apos;", "café ÉTÉ & <tag> \"q\" 's'"},
    {"&#233;&#xE9;&#XE9;&#x1F600; &#65;&#x42;", "ééé😀 AB"},
    {"a&nbsp;b&#160;c&#xa0;&nbsp;d", "a b c d"},
    {"AT&T &foo; &amp &#; &#x; &#xZZ; &#0; &#xD800; &#x110000; & a &",
     "AT&T &foo; &amp &#; &#x; &#xZZ; &#0; &#xD800; &#x110000; & a &"},
    {"&thetasym;&Omega;&euro;&hellip;&trade;&zwnj;x", "ϑΩ€…™\u200Cx"},
    {"x<script type=\"text/javascript\">var a = '<div>'; if (a < b) {}</script>y", "xy"},
    {"x<SCRIPT>document.write('</scr' + 'ipt>')</SCRIPT >y", "xy"},
    {"x<script>a='</script>'</script>y<script>b</scriptx></script\n>z", "x'yz"},
    {"x<style>p { color: red } div > span {}</style >y<style/>z</style>w", "xyw"},
    {"a<!-- hidden <b>tag</b> -- still -->b<!---->c<!-->d<!--->e", "abcde"},
    {"<!DOCTYPE html><?xml version=\"1.0\"?>text<![CDATA[raw <b>&amp;</b> ]]]>end", "textraw <b>&amp;</b> ]end"},
    {"<a href=\"http://x/?a>b\" title='it>s'>link</a> after", "link after"},
    {"1 < 2 and 3 <4 and a<=b </ c> d", "1 < 2 and 3 <4 and a<=b d"},
    {"x</>y<//z>w", "xyw"},
    {"unterminated <b", "unterminated"},
    {"tail <", "tail <"},
    {"tail </", "tail </"},
    {"tail &eac", "tail &eac"},
    {"<p>\u00e9t\u00e9 \u65e5\u672c</p>", "\u00e9t\u00e9 \u65e5\u672c"},
    {"<P CLASS=x>Upper</P><BR>Case", "Upper Case"},
    {"", ""},
};

}  // namespace

TEST_CASE("html is reduced to the text it shows") {
  for (const Golden& g : kGolden) {
    CAPTURE(g.html);
    CHECK(html_to_text(g.html) == g.text);
  }
}

TEST_CASE("every split point and byte-at-a-time feeding give the text of one feed") {
  for (const Golden& g : kGolden) {
    std::string_view html = g.html;
    CAPTURE(html);
    std::string whole = html_to_text(html);
    CHECK(reduce(html, 1) == whole);
    CHECK(reduce(html, 3) == whole);
    for (size_t cut = 0; cut <= html.size(); ++cut) {
      CAPTURE(cut);
      CHECK(reduce_cut(html, cut) == whole);
    }
  }
}

TEST_CASE("the entity table holds HTML 4's 252 names and apos, case-sensitive") {
  CHECK(html_entity_count() == 253);
  CHECK(html_entity("eacute") == 0xE9);
  CHECK(html_entity("Eacute") == 0xC9);
  CHECK(html_entity("EACUTE") == 0);
  CHECK(html_entity("AElig") == 0xC6);
  CHECK(html_entity("zwnj") == 0x200C);
  CHECK(html_entity("apos") == 0x27);
  CHECK(html_entity("diams") == 0x2666);
  CHECK(html_entity("") == 0);
  CHECK(html_entity("notanentity") == 0);
}

TEST_CASE("malformed html: bounded buffers, no growth, no crash") {
  // A reference longer than kMaxBuffer stays text.
  std::string long_ref = "&" + std::string(HtmlText::kMaxBuffer + 5, 'a') + ";";
  CHECK(html_to_text(long_ref) == long_ref);
  // A huge tag name is no element we know; a huge attribute is skipped whole.
  CHECK(html_to_text("a<" + std::string(100000, 'p') + ">b") == "ab");
  CHECK(html_to_text("a<p title=\"" + std::string(1000000, '>') + "\">b") == "a b");
  // An unterminated quote or comment hides the rest of the part, as in a browser.
  CHECK(html_to_text("a<p title=\"x>b c d") == "a");
  CHECK(html_to_text("a<!-- b c d") == "a");
  // What is held between pieces stays within kMaxBuffer, whatever is unfinished.
  for (std::string_view open : {"<", "</", "&", "&#", "<!", "<![CDATA"}) {
    HtmlText held;
    std::string text;
    held.feed(open, &text);
    for (int i = 0; i < 1000; ++i) held.feed(std::string(100, 'a'), &text);
    CHECK(held.held_bytes() <= HtmlText::kMaxBuffer);
  }
  // The reducer starts afresh after finish(): no state leaks into the next part.
  HtmlText r;
  std::string out;
  r.feed("x<script>", &out);
  r.finish(&out);
  r.feed("y", &out);
  r.finish(&out);
  CHECK(out == "xy");
  // Pieces of any content keep the held state within kMaxBuffer.
  const std::string_view alphabet = "<&#x<!-[CDATA<!--&amp;-->]]>\"'= </scrip>t";
  std::string junk;
  uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    junk += alphabet[(x >> 16) % alphabet.size()];
  }
  std::string whole = html_to_text(junk);
  CHECK(reduce(junk, 1) == whole);
  CHECK(reduce(junk, 7) == whole);
}

}  // namespace protocol_mime_html_text_test

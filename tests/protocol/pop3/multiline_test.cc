// POP3 byte-stuffing and the TOP line limit, fed whole, byte at a time and
// split at every offset: the output must not depend on the split.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/pop3/multiline.h"

namespace protocol_pop3_multiline_test {

using loft::proto::pop3::DotStuffer;
using loft::proto::pop3::LineLimiter;

namespace {

std::string stuff_whole(const std::string& in) {
  DotStuffer s;
  std::string out;
  s.feed(in, &out);
  s.finish(&out);
  return out;
}

std::string stuff_bytewise(const std::string& in) {
  DotStuffer s;
  std::string out;
  for (char c : in) s.feed(std::string_view(&c, 1), &out);
  s.finish(&out);
  return out;
}

// The expected result, computed the simple way: first every line end (CRLF,
// bare LF, bare CR) becomes CRLF and NUL becomes 0x80, then lines that start
// with a dot get another, then a final CRLF if missing, then the terminator.
std::string reference(const std::string& in) {
  std::string crlf;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '\r') {
      crlf += "\r\n";
      if (i + 1 < in.size() && in[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      crlf += "\r\n";
    } else {
      crlf.push_back(c == '\0' ? '\x80' : c);
    }
  }
  std::string out;
  bool start = true;
  for (char c : crlf) {
    if (start && c == '.') out.push_back('.');
    out.push_back(c);
    start = c == '\n';
  }
  if (!crlf.empty() && !(crlf.size() >= 2 && crlf.compare(crlf.size() - 2, 2, "\r\n") == 0)) out += "\r\n";
  return out + ".\r\n";
}

// Every split of `in` into two pieces, and into three pieces.
void check_all_splits(const std::string& in) {
  const std::string want = reference(in);
  CHECK(stuff_whole(in) == want);
  CHECK(stuff_bytewise(in) == want);
  for (size_t i = 0; i <= in.size(); ++i) {
    DotStuffer s;
    std::string out;
    s.feed(std::string_view(in).substr(0, i), &out);
    s.feed(std::string_view(in).substr(i), &out);
    s.finish(&out);
    CHECK_MESSAGE(out == want, "split at ", i);
    for (size_t j = i; j <= in.size() && in.size() < 64; ++j) {
      DotStuffer t;
      std::string o;
      t.feed(std::string_view(in).substr(0, i), &o);
      t.feed(std::string_view(in).substr(i, j - i), &o);
      t.feed(std::string_view(in).substr(j), &o);
      t.finish(&o);
      CHECK_MESSAGE(o == want, "split at ", i, " and ", j);
    }
  }
}

}  // namespace

TEST_CASE("pop3 stuffer: lines starting with a dot get another dot") {
  CHECK(stuff_whole("a\r\n.b\r\n..c\r\n.\r\nd\r\n") == "a\r\n..b\r\n...c\r\n..\r\nd\r\n.\r\n");
  CHECK(stuff_whole(".first\r\n") == "..first\r\n.\r\n");
  CHECK(stuff_whole("no dot. here\r\n a.\r\n") == "no dot. here\r\n a.\r\n.\r\n");
  CHECK(stuff_whole("bare\n.lf\n") == "bare\r\n..lf\r\n.\r\n");  // bare LF: CRLF on the wire
  CHECK(stuff_whole("cr\r.x\r\n") == "cr\r\n..x\r\n.\r\n");          // bare CR too
  CHECK(stuff_whole(std::string("n\0l\r\n", 5)) == "n\x80l\r\n.\r\n");    // NUL as 0x80
}

TEST_CASE("pop3 stuffer: the terminator and a missing final CRLF") {
  CHECK(stuff_whole("") == ".\r\n");
  CHECK(stuff_whole("x\r\n") == "x\r\n.\r\n");
  CHECK(stuff_whole("x") == "x\r\n.\r\n");
  CHECK(stuff_whole("x\r") == "x\r\n.\r\n");
  CHECK(stuff_whole(".") == "..\r\n.\r\n");
  CHECK(stuff_whole("\r\n") == "\r\n.\r\n");
  CHECK(stuff_bytewise("ab\r\n") == "ab\r\n.\r\n");
}

TEST_CASE("pop3 stuffer: any split gives the same bytes") {
  const std::vector<std::string> inputs = {
      "Subject: x\r\n\r\n.\r\n..\r\n.a\r\nb.\r\n.",
      ".\r\n.\r\n.\r\n",
      "a\r\n.\r\n",
      "\r\n.\r\n\r\n..",
      "x\r",
      "x\n.y\n",
      "....",
      "a\r\r\n.\n\r.b\r",
      std::string("\0.\r\0\n.", 6),
  };
  for (const auto& in : inputs) check_all_splits(in);
}

TEST_CASE("pop3 stuffer: a long message with dots fed in uneven pieces") {
  std::string in;
  for (int i = 0; i < 2000; ++i) in += (i % 3 == 0 ? ".line " : "line ") + std::to_string(i) + "\r\n";
  const std::string want = reference(in);
  for (size_t step : {1u, 2u, 3u, 7u, 64u, 1000u, 65536u}) {
    DotStuffer s;
    std::string out;
    for (size_t pos = 0; pos < in.size(); pos += step) s.feed(std::string_view(in).substr(pos, step), &out);
    s.finish(&out);
    CHECK_MESSAGE(out == want, "step ", step);
  }
}

TEST_CASE("pop3 stuffer: reusable after finish and reset") {
  DotStuffer s;
  std::string out;
  s.feed("a", &out);
  s.finish(&out);
  s.feed(".b\r\n", &out);
  s.finish(&out);
  CHECK(out == "a\r\n.\r\n..b\r\n.\r\n");
  out.clear();
  s.feed("x", &out);
  s.reset();
  s.feed(".y\r\n", &out);
  s.finish(&out);
  CHECK(out == "x..y\r\n.\r\n");
}

TEST_CASE("pop3 line limiter: TOP takes whole lines, across pieces") {
  const std::string body = "one\r\ntwo\r\nthree\r\nfour";
  auto top = [&](uint32_t n, size_t step) {
    LineLimiter l(n);
    std::string out;
    for (size_t pos = 0; pos < body.size() && !l.done(); pos += step) {
      std::string_view piece = std::string_view(body).substr(pos, step);
      out.append(piece.substr(0, l.take(piece)));
    }
    return out;
  };
  for (size_t step = 1; step <= body.size(); ++step) {
    CHECK(top(0, step).empty());
    CHECK(top(1, step) == "one\r\n");
    CHECK(top(2, step) == "one\r\ntwo\r\n");
    CHECK(top(3, step) == "one\r\ntwo\r\nthree\r\n");
    CHECK(top(4, step) == body);  // the last line has no LF: all of it
    CHECK(top(100, step) == body);
  }
  LineLimiter zero(0);
  CHECK(zero.done());
  CHECK(zero.take("abc\r\n") == 0);
}

}  // namespace protocol_pop3_multiline_test

// LMTP LineReader: CRLF / bare LF, limits, splits, too-long recovery.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/lmtp/line_reader.h"

namespace protocol_lmtp_line_reader_test {

using loft::proto::lmtp::LineReader;

namespace {

// Feeds data in pieces of `step` bytes; returns lines, "<too long>" for errors.
std::vector<std::string> read_all(LineReader& r, const std::string& data, size_t step) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < data.size(); pos += step) {
    std::string_view in = std::string_view(data).substr(pos, step);
    while (true) {
      auto st = r.read(&in);
      if (st == LineReader::Status::line) out.push_back(r.line());
      else if (st == LineReader::Status::too_long) out.push_back("<too long>");
      else break;
    }
    CHECK(in.empty());
  }
  return out;
}

}  // namespace

TEST_CASE("lmtp line reader: CRLF and bare LF, any split") {
  std::string data = "LHLO x\r\nNOOP\nRSET\r\n\r\nQUIT\r";
  for (size_t step = 1; step <= data.size(); ++step) {
    LineReader r(100);
    auto lines = read_all(r, data, step);
    REQUIRE(lines.size() == 4);
    CHECK(lines[0] == "LHLO x");
    CHECK(lines[1] == "NOOP");
    CHECK(lines[2] == "RSET");
    CHECK(lines[3] == "");
    CHECK(r.buffered() == 5);  // "QUIT\r" is still waiting for its LF
  }
}

TEST_CASE("lmtp line reader: a line of exactly the limit passes, one more fails") {
  const size_t limit = 16;
  std::string exact(limit, 'a'), over(limit + 1, 'b');
  for (size_t step : {size_t{1}, size_t{3}, size_t{100}}) {
    LineReader r(limit);
    auto lines = read_all(r, exact + "\r\n" + over + "\r\n" + exact + "\n" + over + "\n" + "ok\r\n", step);
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == exact);
    CHECK(lines[1] == "<too long>");
    CHECK(lines[2] == exact);
    CHECK(lines[3] == "<too long>");
    CHECK(lines[4] == "ok");
  }
}

TEST_CASE("lmtp line reader: a huge line is discarded without buffering") {
  LineReader r(10);
  std::string chunk(1000, 'x');
  for (int i = 0; i < 100; ++i) {
    std::string_view in = chunk;
    CHECK(r.read(&in) == LineReader::Status::need_more);
    CHECK(r.buffered() <= 11);
  }
  std::string_view end = "yy\r\nNOOP\r\n";
  CHECK(r.read(&end) == LineReader::Status::too_long);
  CHECK(r.read(&end) == LineReader::Status::line);
  CHECK(r.line() == "NOOP");
  CHECK(end.empty());
}

TEST_CASE("lmtp line reader: CR in the middle is kept, reset drops a partial line") {
  LineReader r(100);
  std::string_view in = "a\rb\r\npartial";
  CHECK(r.read(&in) == LineReader::Status::line);
  CHECK(r.line() == "a\rb");
  CHECK(r.read(&in) == LineReader::Status::need_more);
  r.reset();
  std::string_view next = "QUIT\r\n";
  CHECK(r.read(&next) == LineReader::Status::line);
  CHECK(r.line() == "QUIT");
}

TEST_CASE("lmtp line reader: read stops after one line, leaving the rest") {
  LineReader r(100);
  std::string_view in = "DATA\r\nFrom: a\r\n";
  CHECK(r.read(&in) == LineReader::Status::line);
  CHECK(r.line() == "DATA");
  CHECK(in == "From: a\r\n");
}

}  // namespace protocol_lmtp_line_reader_test

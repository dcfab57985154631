// LMTP DataReader: dot-unstuffing, the end marker across any chunk split,
// bare LF tolerance and the size bound.
#include <doctest/doctest.h>

#include <string>

#include "protocol/lmtp/data_reader.h"

namespace protocol_lmtp_data_reader_test {

using loft::proto::lmtp::DataReader;
using Status = DataReader::Status;

namespace {

struct Outcome {
  Status status = Status::need_more;
  std::string message;
  std::string rest;  // input left after the end marker
};

// Feeds wire in two parts split at `split`, the second byte by byte when
// byte_wise is set; collects the message and what follows the end marker.
Outcome run(const std::string& wire, size_t split, bool byte_wise, uint64_t max = 1 << 20) {
  DataReader r(max);
  Outcome o;
  std::string_view first = std::string_view(wire).substr(0, split);
  std::string_view second = std::string_view(wire).substr(split);
  o.status = r.feed(&first, &o.message);
  if (o.status != Status::need_more) {
    o.rest = std::string(first) + std::string(second);
    return o;
  }
  CHECK(first.empty());
  while (!second.empty()) {
    std::string_view piece = byte_wise ? second.substr(0, 1) : second;
    second.remove_prefix(piece.size());
    o.status = r.feed(&piece, &o.message);
    if (o.status != Status::need_more) {
      o.rest = std::string(piece) + std::string(second);
      return o;
    }
    CHECK(piece.empty());
  }
  return o;
}

const std::string kWire =
    "From: a@b.c\r\n"
    "Subject: dots\r\n"
    "\r\n"
    "..leading dot\r\n"
    "...two dots\r\n"
    ".\rnot the end\r\n"
    "a.\r\n"
    "..\r\n"
    "bare\nline\n"
    "last line\r\n"
    ".\r\n"
    "QUIT\r\n";
const std::string kMessage =
    "From: a@b.c\r\n"
    "Subject: dots\r\n"
    "\r\n"
    ".leading dot\r\n"
    "..two dots\r\n"
    "\rnot the end\r\n"
    "a.\r\n"
    ".\r\n"
    "bare\nline\n"
    "last line\r\n";

}  // namespace

TEST_CASE("lmtp data: split at every offset, then byte by byte") {
  for (size_t split = 0; split <= kWire.size(); ++split) {
    for (bool byte_wise : {false, true}) {
      INFO("split=" << split << " byte_wise=" << byte_wise);
      Outcome o = run(kWire, split, byte_wise);
      CHECK(o.status == Status::done);
      CHECK(o.message == kMessage);
      CHECK(o.rest == "QUIT\r\n");
    }
  }
}

TEST_CASE("lmtp data: the CRLF before the dot belongs to the last line") {
  Outcome o = run("no final newline\r\n.\r\n", 0, false);
  CHECK(o.status == Status::done);
  CHECK(o.message == "no final newline\r\n");
  o = run("ends with a dot.\r\n.\r\n", 0, true);
  CHECK(o.status == Status::done);
  CHECK(o.message == "ends with a dot.\r\n");
}

TEST_CASE("lmtp data: empty message and bare-LF end marker") {
  Outcome o = run(".\r\n", 0, true);
  CHECK(o.status == Status::done);
  CHECK(o.message.empty());
  o = run("line\n.\nRSET\r\n", 0, true);
  CHECK(o.status == Status::done);
  CHECK(o.message == "line\n");
  CHECK(o.rest == "RSET\r\n");
}

TEST_CASE("lmtp data: the end marker must start a line") {
  Outcome o = run("a\r\nb.\r\nc\r\n", 0, false);
  CHECK(o.status == Status::need_more);
  CHECK(o.message == "a\r\nb.\r\nc\r\n");
}

TEST_CASE("lmtp data: exactly the limit passes, one byte more is too big") {
  std::string body = "0123456789\r\n";  // 12 bytes
  Outcome o = run(body + ".\r\n", 0, false, body.size());
  CHECK(o.status == Status::done);
  CHECK(o.message == body);
  for (bool byte_wise : {false, true}) {
    o = run(body + "more lines\r\n..stuffed\r\n.\r\nNOOP\r\n", 3, byte_wise, body.size() - 1);
    CHECK(o.status == Status::too_big);
    CHECK(o.message.size() < body.size());
    CHECK(o.rest == "NOOP\r\n");  // the session goes on after the marker
  }
}

TEST_CASE("lmtp data: a large message past the limit is discarded, size still counted") {
  DataReader r(1000);
  std::string out, line(998, 'x');
  line += "\r\n";
  for (int i = 0; i < 50; ++i) {
    std::string_view in = line;
    CHECK(r.feed(&in, &out) == Status::need_more);
  }
  CHECK(out.size() <= 1000);
  CHECK(r.size() == 50 * line.size());
  std::string_view end = ".\r\n";
  CHECK(r.feed(&end, &out) == Status::too_big);
  r.reset(10);
  out.clear();
  std::string_view next = "hi\r\n.\r\n";
  CHECK(r.feed(&next, &out) == Status::done);
  CHECK(out == "hi\r\n");
}

}  // namespace protocol_lmtp_data_reader_test

// Admin protocol: tokens, requests, responses, line splitting.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "protocol/admin/line_splitter.h"
#include "protocol/admin/message.h"

namespace protocol_admin_admin_codec_test {

using namespace loft::proto::admin;
using loft::Errc;
using loft::make_error;

TEST_CASE("admin token: every byte survives, encoding is unique") {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string enc = encode_token(all);
  CHECK(enc.find(' ') == std::string::npos);
  CHECK(enc.find('\n') == std::string::npos);
  auto dec = decode_token(enc);
  REQUIRE(dec.ok());
  CHECK(*dec == all);
  CHECK(encode_token("pass word%") == "pass%20word%25");
  CHECK(encode_token("a.b_c-d+e@f~") == "a.b_c-d+e@f~");
  CHECK(decode_token("").value().empty());
  CHECK_FALSE(decode_token("%2").ok());
  CHECK_FALSE(decode_token("%zz").ok());
  CHECK_FALSE(decode_token("%2f").ok());  // lower-case hex: not the canonical form
  CHECK_FALSE(decode_token("%41").ok());  // 'A' needs no escape
  CHECK_FALSE(decode_token("a b").ok());
  CHECK_FALSE(decode_token("caf\xc3\xa9").ok());
}

TEST_CASE("admin token: split on single spaces") {
  CHECK(split_tokens("a b") == std::vector<std::string_view>{"a", "b"});
  CHECK(split_tokens("a  b") == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split_tokens("a ") == std::vector<std::string_view>{"a", ""});
  CHECK(split_tokens("") == std::vector<std::string_view>{""});
}

TEST_CASE("admin: a DATA line sent ahead (progress) reads back as a row") {
  auto line = encode_data_line({"progress", "a b", "10", "20"});
  REQUIRE(line.ok());
  CHECK(*line == "DATA progress a%20b 10 20\n");
  ResponseReader reader;
  CHECK(reader.add_line(std::string_view(*line).substr(0, line->size() - 1)).value() == false);
  CHECK(reader.response().rows.back() == std::vector<std::string>{"progress", "a b", "10", "20"});
  CHECK(encode_request({RequestKind::index_status, "", ""}).value() == "INDEX-STATUS \n");
  CHECK(!encode_data_line({std::string(kMaxLine, 'x')}).ok());
}

TEST_CASE("admin request: round trips") {
  std::vector<Request> requests{
      {RequestKind::user_add, "alice", "correct horse battery staple"},
      {RequestKind::user_passwd, "bob", std::string("a\0b\r\n c", 7)},
      {RequestKind::user_delete, "carol", ""},
      {RequestKind::user_list, "", ""},
      {RequestKind::ping, "", ""},
      {RequestKind::store_check, "", ""},
      {RequestKind::store_repair, "", ""},
      {RequestKind::user_add, "dave", ""},  // empty password: the service refuses it, the codec carries it
      {RequestKind::index_status, "", ""},   // every account
      {RequestKind::index_rebuild, "erin", ""},
      {RequestKind::index_optimize, "", ""},
  };
  for (const auto& req : requests) {
    auto line = encode_request(req);
    REQUIRE(line.ok());
    CHECK(line->back() == '\n');
    CHECK(line->find('\n') == line->size() - 1);
    auto back = decode_request(std::string_view(*line).substr(0, line->size() - 1));
    REQUIRE(back.ok());
    CHECK(back->kind == req.kind);
    CHECK(back->name == req.name);
    CHECK(back->password == req.password);
  }
  CHECK(encode_request({RequestKind::user_delete, "x y", ""}).value() == "USER-DELETE x%20y\n");
  CHECK(encode_request({RequestKind::user_list, "ignored", "ignored"}).value() == "USER-LIST\n");
  CHECK(decode_request("PING\r").ok());
}

TEST_CASE("admin request: malformed lines and limits") {
  for (const char* line : {"", "ping", "PING x", "USER-LIST ", "USER-ADD alice", "USER-ADD a b c",
                           "USER-DELETE", "USER-DELETE a%", "NOPE", "USER-ADD alice pass word"}) {
    INFO(line);
    auto r = decode_request(line);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::bad_input);
  }
  auto big = encode_request({RequestKind::user_add, "a", std::string(kMaxLine, ' ')});
  REQUIRE_FALSE(big.ok());
  CHECK(big.error().code == Errc::limit);
}

TEST_CASE("admin response: round trips through the reader") {
  Response list;
  list.rows = {{"alice"}, {"bob"}, {"with space", ""}, {}};
  std::string wire = encode_response(list);
  CHECK(wire == "DATA alice\nDATA bob\nDATA with%20space \nDATA\nOK\n");
  ResponseReader reader;
  std::string_view in = wire;
  LineSplitter split;
  bool done = false;
  while (!done && split.next(&in) == LineSplitter::Status::line) {
    auto r = reader.add_line(split.line());
    REQUIRE(r.ok());
    done = *r;
  }
  CHECK(done);
  CHECK(reader.response().ok);
  CHECK(reader.response().rows == list.rows);
  CHECK_FALSE(reader.add_line("OK").ok());

  wire = encode_response(Response::failure(make_error(Errc::exists, "account alice exists")));
  CHECK(wire == "ERR exists account%20alice%20exists\n");
  ResponseReader r2;
  REQUIRE(r2.add_line("ERR exists account%20alice%20exists").value());
  CHECK_FALSE(r2.response().ok);
  CHECK(r2.response().error.code == Errc::exists);
  CHECK(r2.response().error.message == "account alice exists");

  CHECK(encode_response(Response::failure(make_error(Errc::not_found, ""))) == "ERR not-found\n");
  ResponseReader r3;
  REQUIRE(r3.add_line("ERR not-found").value());
  CHECK(r3.response().error.code == Errc::not_found);
  CHECK(r3.response().error.message.empty());
}

TEST_CASE("admin response: bounded lines, malformed input") {
  std::string huge = encode_response(Response::failure(make_error(Errc::internal, std::string(10000, '\x01'))));
  CHECK(huge.size() <= kMaxLine + 1);
  ResponseReader r;
  auto parsed = r.add_line(std::string_view(huge).substr(0, huge.size() - 1));
  REQUIRE(parsed.ok());  // cut on an escape boundary, still decodable
  Response rows;
  rows.rows = {{std::string(kMaxLine, '%')}};
  CHECK(encode_response(rows).rfind("ERR limit", 0) == 0);
  for (const char* line : {"", "OK x", "ERR", "ERR a b c", "DATA %", "HELLO"}) {
    ResponseReader bad;
    CHECK_FALSE(bad.add_line(line).ok());
  }
}

TEST_CASE("admin line splitter: pieces, CRLF, limits") {
  LineSplitter s(8);
  std::string_view in = "PI";
  CHECK(s.next(&in) == LineSplitter::Status::need_more);
  in = "NG\r\n12345678\nrest";
  CHECK(s.next(&in) == LineSplitter::Status::line);
  CHECK(s.line() == "PING");
  CHECK(s.next(&in) == LineSplitter::Status::line);
  CHECK(s.line() == "12345678");
  CHECK(s.next(&in) == LineSplitter::Status::need_more);
  CHECK(in.empty());
  LineSplitter t(8);
  in = "123456789\n";
  CHECK(t.next(&in) == LineSplitter::Status::too_long);
  in = "ok\n";
  CHECK(t.next(&in) == LineSplitter::Status::too_long);  // sticky: the peer is broken
  LineSplitter u(8);
  in = "12345678\r";
  CHECK(u.next(&in) == LineSplitter::Status::need_more);
  in = "\n";
  CHECK(u.next(&in) == LineSplitter::Status::line);
  CHECK(u.line() == "12345678");
}

}  // namespace protocol_admin_admin_codec_test

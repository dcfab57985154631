// DEFLATE transform (RFC 4978 §4) against zlib as the client would use it:
// raw deflate with a 32 KiB window both ways, byte-at-a-time input, the
// output cap that bounds a decompression bomb, and what an idle stream keeps.
#include <doctest/doctest.h>
#include <zlib.h>

#include <random>
#include <string>

#include "server/transform/deflate.h"

namespace server_deflate_test {

using loft::server::DeflateTransform;
using loft::server::Transform;

namespace {

// The client's side: zlib with windowBits -15, as RFC 4978 clients use.
struct Peer {
  z_stream in{};
  z_stream out{};
  Peer() {
    REQUIRE(inflateInit2(&in, -15) == Z_OK);
    REQUIRE(deflateInit2(&out, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  }
  ~Peer() {
    inflateEnd(&in);
    deflateEnd(&out);
  }
  std::string deflate_bytes(const std::string& s, int flush = Z_SYNC_FLUSH) {
    std::string r;
    out.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
    out.avail_in = static_cast<uInt>(s.size());
    char buf[4096];
    do {
      out.next_out = reinterpret_cast<Bytef*>(buf);
      out.avail_out = sizeof buf;
      int rc = deflate(&out, flush);
      REQUIRE((rc == Z_OK || rc == Z_BUF_ERROR || rc == Z_STREAM_END));
      r.append(buf, sizeof buf - out.avail_out);
    } while (out.avail_out == 0);
    return r;
  }
  // Inflates everything given; fails the test on a format error.
  std::string inflate_bytes(const std::string& s) {
    std::string r;
    in.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
    in.avail_in = static_cast<uInt>(s.size());
    char buf[4096];
    do {
      in.next_out = reinterpret_cast<Bytef*>(buf);
      in.avail_out = sizeof buf;
      int rc = inflate(&in, Z_SYNC_FLUSH);
      REQUIRE((rc == Z_OK || rc == Z_BUF_ERROR));
      r.append(buf, sizeof buf - in.avail_out);
    } while (in.avail_out == 0);
    CHECK(in.avail_in == 0);
    return r;
  }
};

// Mail-like text: repetitive headers and some random words.
std::string sample(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += "* " + std::to_string(rng() % 1000) + " FETCH (FLAGS (\\Seen) UID " + std::to_string(rng()) + ")\r\n";
    for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
    s += "\r\n";
  }
  s.resize(n);
  return s;
}

std::string decode_all(DeflateTransform& t, const std::string& wire) {
  std::string plain, reply;
  auto st = t.decode(wire, &plain, &reply);
  INFO(t.error());
  REQUIRE(st == Transform::Status::ok);
  for (int i = 0; i < 100000 && t.pending(); ++i) REQUIRE(t.decode({}, &plain, &reply) == Transform::Status::ok);
  CHECK(reply.empty());
  return plain;
}

}  // namespace

TEST_CASE("server output inflates with a 32 KiB window, each encode() whole by itself") {
  DeflateTransform t;
  Peer peer;
  for (unsigned round = 0; round < 20; ++round) {
    std::string text = sample(1 + round * 7919, round);
    std::string wire;
    REQUIRE(t.encode(text, &wire) == Transform::Status::ok);
    // Z_SYNC_FLUSH: the batch ends with an empty stored block, 00 00 FF FF.
    REQUIRE(wire.size() >= 4);
    CHECK(wire.substr(wire.size() - 4) == std::string("\0\0\xff\xff", 4));
    CHECK(peer.inflate_bytes(wire) == text);  // nothing held back for later
  }
  std::string none;
  CHECK(t.encode({}, &none) == Transform::Status::ok);
  CHECK(none.empty());
}

TEST_CASE("client input decodes whole, and fed one byte at a time") {
  Peer peer;
  std::string text = sample(200000, 7);
  std::string wire = peer.deflate_bytes(text.substr(0, 50000));
  wire += peer.deflate_bytes(text.substr(50000));
  {
    DeflateTransform t;
    CHECK(decode_all(t, wire) == text);
  }
  DeflateTransform t;
  std::string plain, reply;
  for (char c : wire) REQUIRE(t.decode(std::string_view(&c, 1), &plain, &reply) == Transform::Status::ok);
  CHECK(plain == text);
}

TEST_CASE("a command flushed with Z_PARTIAL_FLUSH is decoded without waiting for more") {
  Peer peer;
  DeflateTransform t;
  std::string plain, reply;
  REQUIRE(t.decode(peer.deflate_bytes("a1 NOOP\r\n", Z_PARTIAL_FLUSH), &plain, &reply) == Transform::Status::ok);
  CHECK(plain == "a1 NOOP\r\n");
}

TEST_CASE("a decompression bomb is inflated in bounded steps") {
  Peer peer;
  std::string zeros(64u << 20, '\0');
  std::string wire = peer.deflate_bytes(zeros);
  CHECK(wire.size() < 128 * 1024);
  DeflateTransform t;
  std::string plain, reply;
  REQUIRE(t.decode(wire, &plain, &reply) == Transform::Status::ok);
  CHECK(plain.size() <= DeflateTransform::kMaxDecodeOutput);
  CHECK(t.pending());
  size_t total = plain.size();
  int steps = 1;
  while (t.pending() && steps < 10000) {
    plain.clear();
    REQUIRE(t.decode({}, &plain, &reply) == Transform::Status::ok);
    CHECK(plain.size() <= DeflateTransform::kMaxDecodeOutput);
    CHECK(plain.find_first_not_of('\0') == std::string::npos);
    total += plain.size();
    ++steps;
  }
  CHECK(total == zeros.size());
  CHECK(steps >= static_cast<int>(zeros.size() / DeflateTransform::kMaxDecodeOutput));
  // New input while some is held is queued behind it, in order.
  std::string more = peer.deflate_bytes("a1 NOOP\r\n");
  plain.clear();
  REQUIRE(t.decode(more, &plain, &reply) == Transform::Status::ok);
  CHECK(plain == "a1 NOOP\r\n");
}

TEST_CASE("corrupt input and data after a final block fail the stream") {
  DeflateTransform t;
  std::string plain, reply;
  CHECK(t.decode(std::string("\xff\xff\xff\xff", 4), &plain, &reply) == Transform::Status::failed);
  CHECK(!t.error().empty());

  Peer peer;
  std::string wire = peer.deflate_bytes("a1 LOGOUT\r\n", Z_FINISH) + "x";
  DeflateTransform t2;
  CHECK(t2.decode(wire, &plain, &reply) == Transform::Status::failed);
}

TEST_CASE("an idle stream keeps only the inflater; the compressor restarts after release") {
  DeflateTransform t;
  Peer peer;
  size_t fresh = t.memory();
  std::string wire, plain, reply;
  REQUIRE(t.encode(sample(100000, 1), &wire) == Transform::Status::ok);
  REQUIRE(t.decode(peer.deflate_bytes(sample(100000, 2)), &plain, &reply) == Transform::Status::ok);
  size_t busy = t.memory();
  // Compressor: 2^(13+2) + 2^(6+9) bytes of tables plus its state.
  CHECK(busy >= fresh + (1u << 15) + (1u << 15));
  t.release_idle();
  size_t idle = t.memory();
  MESSAGE("zlib bytes: fresh ", fresh, ", busy ", busy, ", idle ", idle);
  // The inflater's state plus its 32 KiB window (RFC 1951 allows refs that far back).
  CHECK(idle <= fresh + (32u << 10) + 1024);
  CHECK(idle < busy);
  // The stream goes on after the release: history is lost, the format is not.
  CHECK(peer.inflate_bytes(wire) == sample(100000, 1));
  std::string wire2;
  REQUIRE(t.encode("* OK still here\r\n", &wire2) == Transform::Status::ok);
  CHECK(peer.inflate_bytes(wire2) == "* OK still here\r\n");
}

}  // namespace server_deflate_test

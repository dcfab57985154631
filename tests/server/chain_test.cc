// TransformChain: input outside-in, output inside-out, a layer's own replies
// encoded by the layers outside it, and held input decoded on demand.
#include <doctest/doctest.h>
#include <zlib.h>

#include <memory>
#include <string>

#include "server/transform/chain.h"
#include "server/transform/deflate.h"

namespace server_chain_test {

using loft::server::DeflateTransform;
using loft::server::Transform;
using loft::server::TransformChain;

namespace {

// Adds `shift` to each byte on the way out; "?" received makes it reply "!"
// by itself (like a TLS handshake record).
class Shift final : public Transform {
 public:
  explicit Shift(char shift) : shift_(shift) {}
  Kind kind() const override { return Kind::tls; }
  Status decode(std::string_view in, std::string* decoded, std::string* reply) override {
    for (char c : in) {
      char d = static_cast<char>(c - shift_);
      if (d == '?') reply->push_back(static_cast<char>('!' + shift_));
      else decoded->push_back(d);
    }
    return Status::ok;
  }
  Status encode(std::string_view in, std::string* out) override {
    for (char c : in) out->push_back(static_cast<char>(c + shift_));
    return Status::ok;
  }

 private:
  char shift_;
};

}  // namespace

TEST_CASE("an empty chain passes bytes unchanged") {
  TransformChain chain;
  std::string plain, wire;
  REQUIRE(chain.decode("abc", &plain, &wire) == Transform::Status::ok);
  CHECK(plain == "abc");
  REQUIRE(chain.encode("xyz", &wire) == Transform::Status::ok);
  CHECK(wire == "xyz");
  CHECK(chain.ready());
  CHECK_FALSE(chain.pending());
}

TEST_CASE("layers apply in order: outer last on output, first on input") {
  TransformChain chain;
  chain.push(std::make_unique<Shift>(1));   // next to the socket
  chain.push(std::make_unique<Shift>(10));  // next to the session
  std::string wire;
  REQUIRE(chain.encode("a", &wire) == Transform::Status::ok);
  CHECK(wire == std::string(1, 'a' + 11));
  std::string plain, back;
  REQUIRE(chain.decode(wire, &plain, &back) == Transform::Status::ok);
  CHECK(plain == "a");
  CHECK(back.empty());
  // The inner layer's reply goes out through the outer layer only.
  plain.clear();
  REQUIRE(chain.decode(std::string(1, '?' + 11), &plain, &back) == Transform::Status::ok);
  CHECK(plain.empty());
  CHECK(back == std::string(1, '!' + 10 + 1));
  // Bytes for the inner layer alone (received before it existed).
  plain.clear();
  REQUIRE(chain.decode(std::string(1, 'b' + 10), &plain, &back, 1) == Transform::Status::ok);
  CHECK(plain == "b");
}

TEST_CASE("DEFLATE under another layer: held input comes out on later calls") {
  TransformChain chain;
  chain.push(std::make_unique<Shift>(1));
  chain.push(std::make_unique<DeflateTransform>());
  CHECK(chain.has(Transform::Kind::deflate));
  // A client's compressed burst, then shifted by the outer layer.
  z_stream z{};
  REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string text(3u << 20, 'x');
  std::string comp(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(text.data());
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(comp.data());
  z.avail_out = static_cast<uInt>(comp.size());
  REQUIRE(deflate(&z, Z_SYNC_FLUSH) == Z_OK);
  comp.resize(comp.size() - z.avail_out);
  deflateEnd(&z);
  std::string shifted;
  for (char c : comp) shifted.push_back(static_cast<char>(c + 1));

  std::string plain, wire;
  REQUIRE(chain.decode(shifted, &plain, &wire) == Transform::Status::ok);
  CHECK(plain.size() == DeflateTransform::kMaxDecodeOutput);
  CHECK(chain.pending());
  for (int i = 0; i < 100 && chain.pending(); ++i) REQUIRE(chain.decode({}, &plain, &wire) == Transform::Status::ok);
  CHECK_FALSE(chain.pending());
  CHECK(plain == text);
}

}  // namespace server_chain_test

// DEFLATE as a transform (RFC 4978 §4, RFC 1951): raw deflate both ways, no
// zlib header. Output is sync-flushed at the end of every encode() so the
// client can inflate each batch of responses at once; input may use any
// flush. Memory is the point of the parameters below (docs/performance.md).
#pragma once

#include <cstddef>
#include <memory>

#include "server/transform/transform.h"

struct z_stream_s;

namespace loft::server {

class DeflateTransform final : public Transform {
 public:
  // Our compressor's window (2^13 bytes) and hash memory (memLevel 6): each
  // sender picks its own window (RFC 1951 §2.2, RFC 4978 §4); 64 KiB of
  // tables instead of 256 KiB for -15/8, for 1% less compression.
  static constexpr int kWindowBits = 13;
  static constexpr int kMemLevel = 6;
  static constexpr int kLevel = 6;
  // The peer's window can be up to 2^15: the inflater must accept it.
  static constexpr int kPeerWindowBits = 15;
  // Most bytes one decode() yields. Deflate reaches about 1032:1, so one
  // 64 KiB read could otherwise inflate to 64 MiB at once; the rest of the
  // input waits (pending()) until the session asks for more.
  static constexpr size_t kMaxDecodeOutput = 256 * 1024;

  DeflateTransform();
  ~DeflateTransform() override;
  DeflateTransform(const DeflateTransform&) = delete;
  DeflateTransform& operator=(const DeflateTransform&) = delete;

  Kind kind() const override { return Kind::deflate; }
  // Inflates at most kMaxDecodeOutput bytes; keeps the input it did not use.
  Status decode(std::string_view in, std::string* decoded, std::string* reply) override;
  // Deflates in and ends with Z_SYNC_FLUSH (the 00 00 FF FF marker).
  Status encode(std::string_view in, std::string* out) override;
  bool pending() const override { return pending_; }
  // Frees the compressor (a new raw stream after a sync flush is a valid
  // continuation: it only loses the history). The inflater must stay: the
  // client's next block may refer to its last 32 KiB.
  void release_idle() override;
  // Bytes zlib holds for this transform now (both directions).
  size_t memory() const { return memory_; }

 private:
  static void* zalloc(void* opaque, unsigned items, unsigned size);
  static void zfree(void* opaque, void* p);
  bool start_deflater();
  void init_stream(z_stream_s* s);

  std::unique_ptr<z_stream_s> inflater_;
  std::unique_ptr<z_stream_s> deflater_;  // null while idle
  bool inflater_ok_ = false;
  bool ended_ = false;    // the peer finished its stream (a final block)
  bool pending_ = false;  // decode() stopped at its output cap
  std::string held_;      // input not yet given to inflate()
  size_t memory_ = 0;
};

}  // namespace loft::server

#include "server/transform/deflate.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>

namespace loft::server {

namespace {
// Every block zlib allocates carries its size in front, so that the
// transform can count what it holds (memory()).
constexpr size_t kHeader = alignof(std::max_align_t);
constexpr size_t kChunk = 16 * 1024;

Bytef* bytes(const char* p) { return reinterpret_cast<Bytef*>(const_cast<char*>(p)); }
}  // namespace

void* DeflateTransform::zalloc(void* opaque, unsigned items, unsigned size) {
  size_t n = static_cast<size_t>(items) * size;
  auto* p = static_cast<char*>(std::malloc(n + kHeader));
  if (p == nullptr) return Z_NULL;
  *reinterpret_cast<size_t*>(p) = n;
  static_cast<DeflateTransform*>(opaque)->memory_ += n;
  return p + kHeader;
}

void DeflateTransform::zfree(void* opaque, void* p) {
  if (p == nullptr) return;
  char* base = static_cast<char*>(p) - kHeader;
  static_cast<DeflateTransform*>(opaque)->memory_ -= *reinterpret_cast<size_t*>(base);
  std::free(base);
}

void DeflateTransform::init_stream(z_stream_s* s) {
  s->zalloc = zalloc;
  s->zfree = zfree;
  s->opaque = this;
  s->next_in = Z_NULL;
  s->avail_in = 0;
}

DeflateTransform::DeflateTransform() : inflater_(std::make_unique<z_stream_s>()) {
  init_stream(inflater_.get());
  // Negative windowBits: raw deflate, no zlib header (RFC 4978 §4).
  inflater_ok_ = inflateInit2(inflater_.get(), -kPeerWindowBits) == Z_OK;
  if (!inflater_ok_) error_ = "inflateInit2 failed";
}

DeflateTransform::~DeflateTransform() {
  if (inflater_ok_) inflateEnd(inflater_.get());
  release_idle();
}

bool DeflateTransform::start_deflater() {
  auto d = std::make_unique<z_stream_s>();
  init_stream(d.get());
  if (deflateInit2(d.get(), kLevel, Z_DEFLATED, -kWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) != Z_OK) {
    error_ = "deflateInit2 failed";
    return false;
  }
  deflater_ = std::move(d);
  return true;
}

void DeflateTransform::release_idle() {
  if (deflater_) {
    deflateEnd(deflater_.get());
    deflater_.reset();
  }
  if (held_.empty()) std::string().swap(held_);
}

Transform::Status DeflateTransform::decode(std::string_view in, std::string* decoded, std::string*) {
  if (!inflater_ok_) return Status::failed;
  if (ended_) {
    if (in.empty()) return Status::ok;
    error_ = "data after the end of the DEFLATE stream";
    return Status::failed;
  }
  std::string_view src = in;
  if (!held_.empty()) {
    held_.append(in);
    src = held_;
  }
  z_stream_s* s = inflater_.get();
  s->next_in = bytes(src.data());
  s->avail_in = static_cast<uInt>(src.size());
  pending_ = false;
  size_t produced = 0;
  char buf[kChunk];
  for (;;) {
    size_t room = std::min(sizeof buf, kMaxDecodeOutput - produced);
    if (room == 0) {  // the cap: the rest waits for the next call
      pending_ = true;
      break;
    }
    s->next_out = reinterpret_cast<Bytef*>(buf);
    s->avail_out = static_cast<uInt>(room);
    int r = inflate(s, Z_SYNC_FLUSH);
    size_t got = room - s->avail_out;
    decoded->append(buf, got);
    produced += got;
    if (r == Z_STREAM_END) {
      ended_ = true;
      break;
    }
    if (r == Z_BUF_ERROR) break;  // no progress possible without more input
    if (r != Z_OK) {
      error_ = std::string("invalid DEFLATE data: ") + (s->msg ? s->msg : "error");
      return Status::failed;
    }
    if (s->avail_out != 0) break;  // all input used, all output flushed
  }
  size_t consumed = src.size() - s->avail_in;
  s->next_in = Z_NULL;
  s->avail_in = 0;
  if (held_.empty()) {
    held_.assign(src.substr(consumed));
  } else {
    held_.erase(0, consumed);
  }
  if (held_.empty()) std::string().swap(held_);  // an idle stream keeps no buffer
  if (ended_ && !held_.empty()) {
    error_ = "data after the end of the DEFLATE stream";
    return Status::failed;
  }
  return Status::ok;
}

Transform::Status DeflateTransform::encode(std::string_view in, std::string* out) {
  if (in.empty()) return Status::ok;
  if (!deflater_ && !start_deflater()) return Status::failed;
  z_stream_s* s = deflater_.get();
  char buf[kChunk];
  while (!in.empty()) {
    // avail_in is 32 bits: feed at most 1 GiB per round.
    size_t n = std::min<size_t>(in.size(), 1u << 30);
    s->next_in = bytes(in.data());
    s->avail_in = static_cast<uInt>(n);
    // RFC 4978 §4 and zlib: Z_SYNC_FLUSH ends with an empty stored block, so
    // the peer can inflate everything sent so far.
    do {
      s->next_out = reinterpret_cast<Bytef*>(buf);
      s->avail_out = sizeof buf;
      int r = deflate(s, Z_SYNC_FLUSH);
      if (r != Z_OK && r != Z_BUF_ERROR) {
        error_ = "deflate failed";
        return Status::failed;
      }
      out->append(buf, sizeof buf - s->avail_out);
    } while (s->avail_out == 0);
    in.remove_prefix(n);
  }
  s->next_in = Z_NULL;
  return Status::ok;
}

}  // namespace loft::server

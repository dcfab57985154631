#include "storage/rocks/blobs.h"

#include <zstd.h>

#include <cstring>
#include <memory>

namespace loft::storage::rocks {

namespace {

// Level 3 (zstd's default) compresses mail text well at several hundred MB/s.
constexpr int kZstdLevel = 3;

struct CctxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DctxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// Contexts are reused per thread: allocating one costs more than compressing
// a small chunk.
ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CctxFree> ctx(ZSTD_createCCtx());
  return ctx.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DctxFree> ctx(ZSTD_createDCtx());
  return ctx.get();
}

}  // namespace

std::string encode_chunk(std::string_view plain) {
  std::string out(1 + ZSTD_compressBound(plain.size()), '\0');
  out[0] = static_cast<char>(Codec::zstd);
  size_t n = ZSTD_compressCCtx(cctx(), out.data() + 1, out.size() - 1, plain.data(), plain.size(), kZstdLevel);
  if (ZSTD_isError(n) || n >= plain.size()) {
    // Incompressible (already compressed attachments): store as is.
    out.assign(1, static_cast<char>(Codec::raw));
    out.append(plain);
    return out;
  }
  out.resize(1 + n);
  return out;
}

void HeaderScanner::feed(std::string_view bytes) {
  for (char c : bytes) {
    if (found_) return;
    ++seen_;
    if (c == '\n') {
      if (state_ != State::mid_line) found_ = true;  // LF alone, or CR LF, on an empty line
      state_ = State::line_start;
    } else {
      state_ = (c == '\r' && state_ == State::line_start) ? State::cr : State::mid_line;
    }
  }
}

uint64_t header_size(std::string_view body) {
  size_t line = 0;  // start of the current line
  while (line < body.size()) {
    if (body[line] == '\n') return line + 1;
    if (body[line] == '\r' && line + 1 < body.size() && body[line + 1] == '\n') return line + 2;
    const void* nl = std::memchr(body.data() + line, '\n', body.size() - line);
    if (nl == nullptr) break;
    line = static_cast<size_t>(static_cast<const char*>(nl) - body.data()) + 1;
  }
  return body.size();
}

PreparedBody prepare_body(std::string_view body, uint32_t chunk_size) {
  PreparedBody p;
  p.size = body.size();
  p.header_size = header_size(body);
  p.chunk_size = chunk_size;
  for (size_t pos = 0; pos < body.size(); pos += chunk_size) p.chunks.push_back(encode_chunk(body.substr(pos, chunk_size)));
  return p;
}

Result<void> append_chunk(std::string_view value, uint64_t plain_size, uint64_t from, uint64_t to,
                          std::string* out) {
  if (value.empty() || from > to || to > plain_size) return make_error(Errc::internal, "malformed body chunk");
  std::string_view payload = value.substr(1);
  switch (static_cast<Codec>(value[0])) {
    case Codec::raw:
      if (payload.size() != plain_size) return make_error(Errc::internal, "raw body chunk has the wrong size");
      out->append(payload.substr(from, to - from));
      return {};
    case Codec::zstd: {
      std::string plain(plain_size, '\0');
      size_t n = ZSTD_decompressDCtx(dctx(), plain.data(), plain.size(), payload.data(), payload.size());
      if (ZSTD_isError(n) || n != plain_size)
        return make_error(Errc::internal, std::string("body chunk does not decompress: ") +
                                              (ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size"));
      out->append(plain, from, to - from);
      return {};
    }
  }
  return make_error(Errc::internal, "body chunk has an unknown codec");
}

}  // namespace loft::storage::rocks

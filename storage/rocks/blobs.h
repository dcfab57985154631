// Message bodies as stored: split into fixed-size chunks, each compressed
// on its own with zstd, so that a range read decompresses only the chunks it
// touches. Compression runs on the delivering thread, never the committer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace loft::storage::rocks {

// Chunk values start with one codec byte.
enum class Codec : char { raw = 0, zstd = 1 };

// A body ready to be written: chunk values (codec byte + payload) and sizes.
struct PreparedBody {
  std::vector<std::string> chunks;
  uint64_t size = 0;
  uint64_t header_size = 0;
  uint32_t chunk_size = 0;
};

// Bytes up to and including the first empty line (CRLF CRLF or LF LF, or an
// empty first line); the whole size when there is none.
uint64_t header_size(std::string_view body);

// header_size over a body that arrives in pieces.
class HeaderScanner {
 public:
  // Scans the next bytes of the body (stops looking once the blank line is found).
  void feed(std::string_view bytes);
  // header_size of everything fed, given its total size.
  uint64_t header_size(uint64_t total) const { return found_ ? seen_ : total; }

 private:
  enum class State { line_start, cr, mid_line };
  State state_ = State::line_start;
  uint64_t seen_ = 0;
  bool found_ = false;
};

// One chunk value: zstd, or raw when zstd does not make it smaller.
std::string encode_chunk(std::string_view plain);

// Splits and compresses body; a chunk that zstd does not shrink is kept raw.
PreparedBody prepare_body(std::string_view body, uint32_t chunk_size);

// Decodes one chunk value whose plain size is `plain_size` and appends bytes
// [from, to) of the plain chunk to out.
Result<void> append_chunk(std::string_view value, uint64_t plain_size, uint64_t from, uint64_t to,
                          std::string* out);

}  // namespace loft::storage::rocks
